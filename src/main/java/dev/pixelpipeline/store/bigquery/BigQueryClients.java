package dev.pixelpipeline.store.bigquery;

import java.time.Duration;

import com.google.api.client.http.apache.v2.ApacheHttpTransport;
import com.google.cloud.NoCredentials;
import com.google.cloud.ServiceOptions;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryOptions;
import com.google.cloud.http.HttpTransportOptions;

/**
 * Builds the BigQuery client the way {@link BigQueryBatchWriter} needs it: exactly one
 * attempt per call, with bounded connect and read timeouts. The writer owns the retry
 * budget, because the client's own (six attempts over about 11 s for a dropped
 * connection, none for a 503 {@code backendError}) would outlast the push deadline and
 * still miss the errors worth retrying. Request bodies go uncompressed
 * ({@link UncompressedTransportOptions}).
 */
final class BigQueryClients {

	private BigQueryClients() {
	}

	/**
	 * A client.
	 * @param projectId the project, or {@code null} to take it from the environment;
	 * required with a host
	 * @param host an endpoint override such as a test server, or {@code null} for
	 * Google's; with a host no Google credentials are looked up
	 * @param connectTimeout how long a request may take to connect
	 * @param readTimeout how long a request may wait for its answer
	 * @param maxConnections the size of the connection pool
	 * @throws IllegalStateException when a host is given without a project
	 */
	static BigQuery create(String projectId, String host, Duration connectTimeout, Duration readTimeout,
			int maxConnections) {
		// Apache's client with automatic retries off: the JDK's HttpURLConnection
		// silently re-sends a POST once.
		ApacheHttpTransport transport = new ApacheHttpTransport(ApacheHttpTransport.newDefaultHttpClientBuilder()
			.setMaxConnTotal(maxConnections)
			.setMaxConnPerRoute(maxConnections)
			.build());
		BigQueryOptions.Builder options = BigQueryOptions.newBuilder()
			.setRetrySettings(ServiceOptions.getNoRetrySettings())
			.setTransportOptions(new UncompressedTransportOptions(HttpTransportOptions.newBuilder()
				.setHttpTransportFactory(() -> transport)
				.setConnectTimeout((int) connectTimeout.toMillis())
				.setReadTimeout((int) readTimeout.toMillis())));
		boolean hasProject = projectId != null && !projectId.isBlank();
		if (hasProject) {
			options.setProjectId(projectId);
		}
		if (host != null && !host.isBlank()) {
			if (!hasProject) {
				throw new IllegalStateException("pipeline.bigquery.host is set to " + host
						+ ", so pipeline.bigquery.project-id must be set too (it is not looked up)");
			}
			options.setHost(host).setCredentials(NoCredentials.getInstance());
		}
		return options.build().getService();
	}

}
