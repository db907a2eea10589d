package dev.pixelpipeline.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The HTTP client for tests that talk to the running app over loopback. Every instance
 * shares one {@link HttpClient}, so a test may make one per call. Pub/Sub pushes are
 * built and posted by {@link Pushes}.
 */
public final class Http {

	private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final HttpClient client = CLIENT;

	private final String base;

	public Http(int port) {
		this.base = "http://127.0.0.1:" + port;
	}

	/** GETs a path. */
	public HttpResponse<String> get(String path) {
		return send(HttpRequest.newBuilder(URI.create(this.base + path)).GET());
	}

	/** GETs a path as bytes. */
	public HttpResponse<byte[]> getBytes(String path, String... headers) {
		HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(this.base + path)).GET();
		if (headers.length > 0) {
			builder.headers(headers);
		}
		try {
			return this.client.send(builder.timeout(Duration.ofSeconds(30)).build(),
					HttpResponse.BodyHandlers.ofByteArray());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** POSTs a body with the given headers (name, value, name, value …). */
	public HttpResponse<String> post(String path, byte[] body, String... headers) {
		HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(this.base + path))
			.POST(HttpRequest.BodyPublishers.ofByteArray(body));
		if (headers.length > 0) {
			builder.headers(headers);
		}
		return send(builder);
	}

	/** POSTs a body with the given headers. */
	public HttpResponse<String> post(String path, String body, String... headers) {
		return post(path, body.getBytes(java.nio.charset.StandardCharsets.UTF_8), headers);
	}

	/** Sends a request as built, such as one with {@code Expect: 100-continue}. */
	public HttpResponse<String> send(HttpRequest request) {
		try {
			return this.client.send(request, HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private HttpResponse<String> send(HttpRequest.Builder builder) {
		try {
			return this.client.send(builder.timeout(Duration.ofSeconds(30)).build(),
					HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
