package dev.pixelpipeline.support;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * Real HTTP traffic against a running app: local pixel hits and Pub/Sub pushes of the
 * fixtures.
 */
public final class TestTraffic {

	private final Http http;

	public TestTraffic(int port) {
		this.http = new Http(port);
	}

	public HttpResponse<String> get(String path) {
		return this.http.get(path);
	}

	/** One of each: a local hit, a stored push, an ignored push, a bad row, and a 400. */
	public void everyKind(String suffix) {
		expect(get("/pixel.png?user_id=local" + suffix + "&type=view"), 200);
		// Its own insertId, the key of its row, so that every call stores a new row.
		byte[] hit = Fixtures.textWithInsertId("cdn-cache-hit.json", "stored-" + suffix)
			.getBytes(StandardCharsets.UTF_8);
		expect(push(Pushes.body("stored-" + suffix, hit).deliveryAttempt(2).json()), 204);
		expect(push(Pushes.wrapped("ignored-" + suffix, Fixtures.bytes("not-the-pixel.json"))), 204);
		expect(push(Pushes.wrapped("bad-" + suffix, "not json".getBytes(StandardCharsets.UTF_8))), 204);
		expect(push("{}"), 400);
	}

	private HttpResponse<String> push(String body) {
		return this.http.post("/pubsub/push", body, "Content-Type", "application/json");
	}

	private static void expect(HttpResponse<String> response, int status) {
		if (response.statusCode() != status) {
			throw new AssertionError(response.uri() + " answered " + response.statusCode() + " (expected " + status
					+ "): " + response.body());
		}
	}

}
