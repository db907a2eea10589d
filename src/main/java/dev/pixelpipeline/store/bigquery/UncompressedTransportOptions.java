package dev.pixelpipeline.store.bigquery;

import com.google.api.client.http.HttpExecuteInterceptor;
import com.google.api.client.http.HttpRequestInitializer;
import com.google.cloud.ServiceOptions;
import com.google.cloud.http.HttpTransportOptions;

/**
 * The client's HTTP transport options with request bodies sent uncompressed. The Google
 * API client gzips every request body over 256 bytes and offers no switch for it through
 * the BigQuery client; in a profile of the push path, gzip was a fifth of each
 * {@code insertAll}'s CPU. Streaming inserts are billed by uncompressed row size, and
 * traffic from Google Cloud to its APIs is not billed, so compression only cost CPU. An
 * execute interceptor clears the encoding, because the client sets it after the request
 * initializer has run and applies it only after the interceptor.
 */
final class UncompressedTransportOptions extends HttpTransportOptions {

	private static final long serialVersionUID = 1L;

	UncompressedTransportOptions(Builder builder) {
		super(builder);
	}

	@Override
	public HttpRequestInitializer getHttpRequestInitializer(ServiceOptions<?, ?> serviceOptions) {
		HttpRequestInitializer delegate = super.getHttpRequestInitializer(serviceOptions);
		return (request) -> {
			delegate.initialize(request);
			HttpExecuteInterceptor credentials = request.getInterceptor();
			request.setInterceptor((executing) -> {
				if (credentials != null) {
					credentials.intercept(executing);
				}
				executing.setEncoding(null);
			});
		};
	}

	@Override
	public boolean equals(Object other) {
		return other instanceof UncompressedTransportOptions && super.equals(other);
	}

	@Override
	public int hashCode() {
		return super.hashCode();
	}

}
