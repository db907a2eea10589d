package dev.pixelpipeline.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * Real HTTP traffic against a running app: local pixel hits and Pub/Sub pushes of the
 * fixtures.
 */
public final class TestTraffic {

	private final HttpClient client = HttpClient.newHttpClient();

	private final String base;

	public TestTraffic(int port) {
		this.base = "http://localhost:" + port;
	}

	public HttpResponse<String> get(String path) {
		return send(HttpRequest.newBuilder(URI.create(this.base + path)).GET().build());
	}

	HttpResponse<String> push(String fixture, String messageId, Integer deliveryAttempt) {
		byte[] data = fixture(fixture);
		return pushData(Base64.getEncoder().encodeToString(data), messageId, deliveryAttempt);
	}

	HttpResponse<String> pushData(String base64Data, String messageId, Integer deliveryAttempt) {
		String body = "{\"message\":{\"data\":\"" + base64Data + "\",\"messageId\":\"" + messageId
				+ "\",\"publishTime\":\"2026-11-28T10:00:00Z\"},\"subscription\":\"projects/p/subscriptions/pixel\""
				+ ((deliveryAttempt != null) ? ",\"deliveryAttempt\":" + deliveryAttempt : "") + "}";
		return send(HttpRequest.newBuilder(URI.create(this.base + "/pubsub/push"))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build());
	}

	/** One of each: a local hit, a stored push, an ignored push, a bad row, and a 400. */
	public void everyKind(String suffix) {
		expect(get("/pixel.png?user_id=local" + suffix + "&type=view"), 200);
		// Its own insertId, the key of its row, so that every call stores a new row.
		byte[] hit = Fixtures
			.withInsertId(new String(fixture("cdn-cache-hit.json"), StandardCharsets.UTF_8), "stored-" + suffix)
			.getBytes(StandardCharsets.UTF_8);
		expect(pushData(Base64.getEncoder().encodeToString(hit), "stored-" + suffix, 2), 204);
		expect(push("not-the-pixel.json", "ignored-" + suffix, null), 204);
		expect(pushData(Base64.getEncoder().encodeToString("not json".getBytes(StandardCharsets.UTF_8)),
				"bad-" + suffix, null), 204);
		expect(send(HttpRequest.newBuilder(URI.create(this.base + "/pubsub/push"))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString("{}"))
			.build()), 400);
	}

	private static void expect(HttpResponse<String> response, int status) {
		if (response.statusCode() != status) {
			throw new AssertionError(response.uri() + " answered " + response.statusCode() + " (expected " + status
					+ "): " + response.body());
		}
	}

	static byte[] fixture(String name) {
		try {
			return Files.readAllBytes(Path.of("src/test/resources/fixtures", name));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private HttpResponse<String> send(HttpRequest request) {
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

}
