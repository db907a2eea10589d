package dev.pixelpipeline.ingest;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.pixelpipeline.store.embedded.EmbeddedReads;
import dev.pixelpipeline.support.Fixtures;
import dev.pixelpipeline.support.Http;
import dev.pixelpipeline.support.Pushes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The push endpoint end to end: the real app on a random port, the real DuckDB store,
 * real-shaped deliveries.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PushIntegrationTests {

	@TempDir
	static Path dir;

	@DynamicPropertySource
	static void store(DynamicPropertyRegistry registry) {
		registry.add("pipeline.embedded.path", () -> dir.resolve("push.duckdb").toString());
	}

	@LocalServerPort
	int port;

	@Autowired
	EmbeddedReads database;

	private final JsonMapper json = JsonMapper.builder().build();

	private Http http;

	@BeforeEach
	void client() {
		this.http = new Http(this.port);
	}

	private HttpResponse<String> pushWrapped(String messageId, String logEntry) {
		return this.http.post("/pubsub/push", Pushes.exported(messageId, logEntry), "Content-Type", "application/json");
	}

	private List<Map<String, Object>> events(String table) throws Exception {
		return this.database.events(100, table);
	}

	@Test
	void storesTheWrappedDeliveryAsPubSubSendsIt() throws Exception {
		HttpResponse<String> response = this.http.post("/pubsub/push", Fixtures.bytes("push-wrapped.json"),
				"Content-Type", "application/json");
		assertThat(response.statusCode()).isEqualTo(204);
		List<Map<String, Object>> rows = events("pixel_5f2b8c1e9a7d3e4f6a1b2c3d_20261004");
		// The row is keyed by the LogEntry's insertId, not by the message id 13579246801.
		assertThat(rows).filteredOn((r) -> "w2x4y6z8a0b2c4".equals(r.get("message_id")))
			.singleElement()
			.satisfies((row) -> assertThat(row).containsEntry("user_id", "5f2b8c1e9a7d3e4f6a1b2c3d")
				.containsEntry("order_id", "A-10023")
				.containsEntry("type", "purchase")
				.containsEntry("event_time", "2026-10-04T09:15:22.431998Z")
				.containsEntry("remote_ip", "203.0.113.0")
				.containsEntry("referer", "https://www.example.com/checkout/thanks")
				.containsEntry("status", 200L));
	}

	@Test
	void storesUnwrappedDeliveriesWhateverTheirContentType() throws Exception {
		HttpResponse<String> response = this.http.post("/pubsub/push",
				Fixtures
					.withInsertId(Fixtures.replaced("backend-response.json", "guest-77", "unwrapped-1"), "unwrapped-1")
					.getBytes(StandardCharsets.UTF_8),
				"Content-Type", "application/x-www-form-urlencoded", "x-goog-pubsub-message-id", "unwrapped-msg-1",
				"x-goog-pubsub-publish-time", "2026-10-04T09:16:02Z", "x-goog-pubsub-subscription-name",
				"projects/example-project/subscriptions/pixel-push-raw");
		assertThat(response.statusCode()).isEqualTo(204);
		assertThat(events("pixel_unwrapped_1_20261004")).singleElement()
			.satisfies((row) -> assertThat(row).containsEntry("message_id", "unwrapped-1")
				.containsEntry("type", "click")
				.containsEntry("referer", "")
				.containsEntry("remote_ip", "198.51.100.0"));
	}

	@Test
	void unwrappedWithoutMetadataDeduplicatesByInsertId() throws Exception {
		String entry = Fixtures.replaced("regional-lb-cloud-armor.json", "eu-301", "no-metadata");
		for (int i = 0; i < 3; i++) {
			assertThat(this.http.post("/pubsub/push", entry, "Content-Type", "text/plain").statusCode()).isEqualTo(204);
		}
		assertThat(events("pixel_no_metadata_20261005")).singleElement()
			.satisfies((row) -> assertThat(row).containsEntry("message_id", "c4d6f8g0h2j4k6"));
	}

	@Test
	void aDeadLetteredCopyOfAStoredMessageIsNotStoredAgain() throws Exception {
		// Pub/Sub forwards an undeliverable message as a new message: new id, the same
		// data, its attributes plus CloudPubSubDeadLetter*. Its row is the original's.
		String entry = Fixtures.replaced("cdn-cache-hit.json", "5f2b8c1e9a7d3e4f6a1b2c3d", "dead-lettered");
		assertThat(pushWrapped("original-1", entry).statusCode()).isEqualTo(204);
		String copy = Pushes.body("forwarded-1", entry.getBytes(StandardCharsets.UTF_8))
			.attribute("CloudPubSubDeadLetterSourceDeliveryCount", "5")
			.attribute("CloudPubSubDeadLetterSourceSubscription", "pixel-pipeline-push")
			.publishedAt("2026-10-04T10:00:00Z")
			.from("projects/example-project/subscriptions/pixel-undeliverable")
			.json();
		assertThat(this.http.post("/pubsub/push", copy, "Content-Type", "application/json").statusCode())
			.isEqualTo(204);
		assertThat(events("pixel_dead_lettered_20261004")).singleElement()
			.satisfies((row) -> assertThat(row).containsEntry("message_id", "1q2w3e4r5t6y7u"));
	}

	@Test
	void aRedeliveredMessageIsStoredOnce() throws Exception {
		String entry = Fixtures.replaced("cdn-cache-hit.json", "5f2b8c1e9a7d3e4f6a1b2c3d", "redelivered");
		assertThat(pushWrapped("redelivery-1", entry).statusCode()).isEqualTo(204);
		assertThat(pushWrapped("redelivery-1", entry).statusCode()).isEqualTo(204);
		assertThat(events("pixel_redelivered_20261004")).hasSize(1);
	}

	@Test
	void acksWhatIsNotAPixelHitWithoutStoringIt() throws Exception {
		long before = this.database.count("SELECT count(*) FROM \"pixel_*\"");
		assertThat(pushWrapped("favicon-1", Fixtures.text("not-the-pixel.json")).statusCode()).isEqualTo(204);
		assertThat(this.database.count("SELECT count(*) FROM \"pixel_*\"")).isEqualTo(before);
		assertThat(this.database.badRows(1000)).noneMatch((r) -> "favicon-1".equals(r.get("message_id")));
	}

	@Test
	void acksPoisonAndKeepsItAsABadRow() throws Exception {
		Map<String, String> cases = Map.of("poison-json",
				"{\"message\":{\"data\":\"bm90IGpzb24=\",\"messageId\":\"poison-json\"}}", "poison-b64",
				"{\"message\":{\"data\":\"%%%not base64%%%\",\"messageId\":\"poison-b64\"}}", "poison-empty",
				"{\"message\":{\"messageId\":\"poison-empty\"}}", "poison-url",
				Pushes.exported("poison-url", "{\"httpRequest\":{\"requestMethod\":\"GET\"}}"));
		for (String body : cases.values()) {
			assertThat(this.http.post("/pubsub/push", body, "Content-Type", "application/json").statusCode())
				.isEqualTo(204);
		}
		Map<Object, Object> reasons = new java.util.HashMap<>();
		for (Map<String, Object> row : this.database.badRows(1000)) {
			reasons.put(row.get("message_id"), row.get("reason"));
		}
		assertThat(reasons).containsEntry("poison-json", "not_json")
			.containsEntry("poison-b64", "not_base64")
			.containsEntry("poison-empty", "empty_data")
			.containsEntry("poison-url", "no_request_url");
		assertThat(this.database.badRows(1000)).filteredOn((r) -> "poison-json".equals(r.get("message_id")))
			.singleElement()
			.satisfies((r) -> assertThat(r).containsEntry("payload", "not json"));
	}

	@Test
	void answers400ToWhatIsNotAPubSubDelivery() throws Exception {
		for (String body : List.of("", "{}", "not json", "[1]", "{\"message\":\"text\"}",
				"{\"message\":{}} trailing")) {
			HttpResponse<String> response = this.http.post("/pubsub/push", body, "Content-Type", "application/json");
			assertThat(response.statusCode()).as(body).isEqualTo(400);
			assertThat(this.json.readTree(response.body()).get("error").asString()).isNotBlank();
		}
	}

	@Test
	void emptyMessageObjectIsPoisonNotARejection() throws Exception {
		HttpResponse<String> response = this.http.post("/pubsub/push", "{\"message\":{}}", "Content-Type",
				"application/json");
		assertThat(response.statusCode()).isEqualTo(204);
		assertThat(this.database.badRows(1000)).anyMatch((r) -> "empty_data".equals(r.get("reason")));
	}

	@Test
	void refusesBodiesOverTheLimit() {
		byte[] body = new byte[1024 * 1024 + 1];
		java.util.Arrays.fill(body, (byte) 'a');
		assertThat(this.http.post("/pubsub/push", body, "Content-Type", "application/json").statusCode())
			.isEqualTo(413);
	}

	@Test
	void healthIsUp() throws Exception {
		assertThat(this.http.get("/actuator/health").statusCode()).isEqualTo(200);
		assertThat(this.json.readTree(this.http.get("/actuator/health/readiness").body()).get("status").asString())
			.isEqualTo("UP");
		assertThat(this.json.readTree(this.http.get("/actuator/health/liveness").body()).get("status").asString())
			.isEqualTo("UP");
	}

}
