package dev.pixelpipeline.config;

import java.time.Clock;

import com.google.api.client.http.apache.v2.ApacheHttpTransport;
import com.google.cloud.NoCredentials;
import com.google.cloud.ServiceOptions;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryOptions;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.http.HttpTransportOptions;
import dev.pixelpipeline.ingest.PipelineMetrics;
import dev.pixelpipeline.store.BatchingSink;
import dev.pixelpipeline.store.BigQueryBatchWriter;
import dev.pixelpipeline.store.BigQueryTemplateTable;
import dev.pixelpipeline.store.RowSchema;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

/**
 * Wires the BigQuery store when {@code pipeline.sink=bigquery}: the client, the batch writer behind a
 * {@link BatchingSink}, the template table check at start-up and the readiness indicator {@code bigQuery}. Bad rows
 * still go to the embedded store's {@code _bad_rows} table unless another {@code BadRowSink} is configured.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "pipeline.sink", havingValue = "bigquery")
class BigQueryConfiguration {

	/**
	 * The client. It makes exactly one attempt per call, with bounded connect and read timeouts: the writer owns the
	 * retry budget, because the client's own (six attempts over about 11 s for a dropped connection, none for a 503
	 * {@code backendError}) would outlast the push deadline and still miss the errors worth retrying.
	 */
	@Bean
	BigQuery bigQueryClient(PipelineProperties properties) {
		PipelineProperties.BigQuery settings = properties.bigquery();
		int connections = settings.maxConcurrentRequests() + 4;
		ApacheHttpTransport transport = new ApacheHttpTransport(ApacheHttpTransport.newDefaultHttpClientBuilder()
			.setMaxConnTotal(connections)
			.setMaxConnPerRoute(connections)
			.build());
		BigQueryOptions.Builder options = BigQueryOptions.newBuilder()
			.setRetrySettings(ServiceOptions.getNoRetrySettings())
			.setTransportOptions(HttpTransportOptions.newBuilder()
				.setHttpTransportFactory(() -> transport)
				.setConnectTimeout((int) settings.connectTimeout().toMillis())
				.setReadTimeout((int) settings.readTimeout().toMillis())
				.build());
		if (StringUtils.hasText(settings.projectId())) {
			options.setProjectId(settings.projectId());
		}
		if (StringUtils.hasText(settings.host())) {
			if (!StringUtils.hasText(settings.projectId())) {
				throw new IllegalStateException("pipeline.bigquery.host is set to " + settings.host()
						+ ", so pipeline.bigquery.project-id must be set too (it is not looked up)");
			}
			// A test server or emulator: never look up Google credentials.
			options.setHost(settings.host()).setCredentials(NoCredentials.getInstance());
		}
		return options.build().getService();
	}

	@Bean
	TableId bigQueryTemplateTableId(BigQuery bigQueryClient, PipelineProperties properties) {
		String project = bigQueryClient.getOptions().getProjectId();
		if (!StringUtils.hasText(project)) {
			throw new IllegalStateException(
					"No Google Cloud project for BigQuery: set pipeline.bigquery.project-id (or GOOGLE_CLOUD_PROJECT)");
		}
		return TableId.of(project, properties.bigquery().dataset(), properties.table().template());
	}

	@Bean(destroyMethod = "close")
	BigQueryBatchWriter bigQueryBatchWriter(BigQuery bigQueryClient, TableId bigQueryTemplateTableId,
			PipelineProperties properties, Clock clock) {
		PipelineProperties.BigQuery settings = properties.bigquery();
		PipelineProperties.Retry retry = settings.retry();
		return new BigQueryBatchWriter(bigQueryClient, bigQueryTemplateTableId.getProject(),
				bigQueryTemplateTableId.getDataset(),
				new BigQueryBatchWriter.Retry(retry.initialBackoff(), retry.maxBackoff(), retry.minTimeLeft()),
				settings.maxConcurrentRequests(), clock);
	}

	@Bean(destroyMethod = "close")
	BatchingSink bigQuerySink(BigQueryBatchWriter bigQueryBatchWriter, PipelineProperties properties,
			PipelineMetrics metrics) {
		return new BatchingSink(bigQueryBatchWriter,
				properties.bigquery().batch().settings(PipelineProperties.BigQuery.BATCH_DEFAULTS), metrics);
	}

	@Bean
	BigQueryTemplateTable bigQueryTemplateTable(BigQuery bigQueryClient, TableId bigQueryTemplateTableId,
			RowSchema schema, PipelineProperties properties) {
		String suffix = properties.table().suffix();
		return new BigQueryTemplateTable(bigQueryClient, bigQueryTemplateTableId, schema,
				suffix == null || suffix.isEmpty());
	}

	/** Contributes {@code bigQuery} to health; application.yml puts it in the readiness group only. */
	@Bean(destroyMethod = "close")
	BigQueryHealthIndicator bigQueryHealthIndicator(BigQueryTemplateTable bigQueryTemplateTable,
			BigQueryBatchWriter bigQueryBatchWriter, PipelineProperties properties) {
		return new BigQueryHealthIndicator(bigQueryTemplateTable, bigQueryBatchWriter,
				properties.bigquery().createTemplate(), properties.bigquery().healthTimeout());
	}

	@Bean
	ApplicationRunner bigQueryStartupCheck(BigQueryHealthIndicator bigQueryHealthIndicator) {
		return (args) -> bigQueryHealthIndicator.checkAtStartup();
	}

}
