package dev.pixelpipeline;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import dev.pixelpipeline.support.BigQueryServer;
import dev.pixelpipeline.support.BigQueryServer.Answer;
import dev.pixelpipeline.support.BigQueryServer.InsertAll;
import dev.pixelpipeline.support.Fixtures;
import dev.pixelpipeline.support.Pushes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole service with {@code pipeline.sink=bigquery}, the real BigQuery client and
 * {@link BigQueryServer} standing in for BigQuery: what each push becomes, how pushes
 * share inserts, and what Pub/Sub hears when BigQuery fails.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "pipeline.embedded.path=:memory:", "pipeline.push.deadline=5s",
				"pipeline.bigquery.batch.writers=2", "pipeline.bigquery.retry.initial-backoff=20ms",
				"pipeline.bigquery.retry.max-backoff=200ms",
				"management.endpoint.health.group.readiness.show-details=always",
				// Few request threads, no virtual threads: a push that held its thread
				// while waiting would show.
				"server.tomcat.threads.max=16", "spring.threads.virtual.enabled=false" })
class BigQuerySinkIntegrationTests {

	private static final BigQueryServer server = BigQueryServer.start();

	private static final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(10))
		.build();

	@LocalServerPort
	private int port;

	@DynamicPropertySource
	static void bigQuery(DynamicPropertyRegistry registry) {
		server.properties().forEach((name, value) -> registry.add(name, () -> value));
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@BeforeEach
	void reset() {
		server.reset();
	}

	private static String push(String messageId, String userId) {
		String entry = Fixtures.withInsertId(
				Fixtures.replaced("cdn-cache-hit.json", "user_id=5f2b8c1e9a7d3e4f6a1b2c3d", "user_id=" + userId),
				messageId);
		return Pushes.wrapped(messageId, entry);
	}

	private HttpRequest pushRequest(String messageId, String userId) {
		return Pushes.request(this.port, push(messageId, userId), Duration.ofSeconds(60)).build();
	}

	private int send(String messageId, String userId) throws Exception {
		return http.send(pushRequest(messageId, userId), HttpResponse.BodyHandlers.discarding()).statusCode();
	}

	private HttpResponse<String> get(String path) throws Exception {
		return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void aPushBecomesExactlyOneInsertAllRow() throws Exception {
		assertThat(send("msg-1", "5f2b8c1e9a7d3e4f6a1b2c3d")).isEqualTo(204);

		assertThat(server.insertAlls()).hasSize(1);
		InsertAll request = server.insertAlls().get(0);
		assertThat(request.table()).isEqualTo("pixel");
		assertThat(request.templateSuffix()).isEqualTo("_5f2b8c1e9a7d3e4f6a1b2c3d_20261004");
		assertThat(request.rows()).singleElement().satisfies((row) -> {
			assertThat(row.insertId()).isEqualTo("msg-1");
			assertThat(row.json()).containsOnlyKeys("user_id", "order_id", "type", "event_time", "message_id",
					"user_agent", "remote_ip", "referer", "status", "received_at", "device_class", "agent_name",
					"agent_major", "os_name", "is_bot", "referer_host");
			// Enrichment: a desktop Chrome, not a bot (JSON true/false, BigQuery's
			// BOOLEAN).
			assertThat(row.json()).containsEntry("device_class", "Desktop")
				.containsEntry("agent_name", "Chrome")
				.containsEntry("agent_major", "130")
				.containsEntry("os_name", "Windows")
				.containsEntry("is_bot", false)
				.containsEntry("referer_host", "www.example.com");
			assertThat(row.json()).containsEntry("user_id", "5f2b8c1e9a7d3e4f6a1b2c3d")
				.containsEntry("order_id", "A-10023")
				.containsEntry("type", "purchase")
				.containsEntry("event_time", "2026-10-04T09:15:22.431998Z")
				.containsEntry("message_id", "msg-1")
				.containsEntry("remote_ip", "203.0.113.0")
				.containsEntry("referer", "https://www.example.com/checkout/thanks")
				.containsEntry("status", 200);
			assertThat((String) row.json().get("received_at"))
				.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
		});
	}

	@Test
	void concurrentPushesShareInsertCallsAndEveryRowArrivesOnce() throws Exception {
		// BigQuery takes a while to answer: while both writers wait, arriving pushes
		// gather for the next insert.
		server.answerAlways(Answer.ok().after(Duration.ofSeconds(1)));
		ExecutorService clients = Executors.newFixedThreadPool(64);
		try {
			List<Future<Integer>> answers = new ArrayList<>();
			for (int i = 0; i < 400; i++) {
				String id = "batch-" + i;
				answers.add(clients.submit(() -> send(id, "u-batch")));
			}
			for (Future<Integer> answer : answers) {
				assertThat(answer.get()).isEqualTo(204);
			}
		}
		finally {
			clients.shutdownNow();
		}

		assertThat(server.insertAllCount()).isLessThanOrEqualTo(40);
		Map<String, Integer> received = server.insertIdsReceived();
		assertThat(received).hasSize(400).allSatisfy((id, times) -> assertThat(times).as(id).isEqualTo(1));
		assertThat(server.committedInsertIds()).hasSize(400);
	}

	@Test
	void aThousandConcurrentPushesWaitWithoutHoldingARequestThread() {
		// Each insert is answered after a while, so both writers are soon busy and pushes
		// pile up in the sink.
		// Were a push holding one of the 16 request threads while it waits, no insert
		// could carry more than 16 rows.
		server.answerAlways(Answer.ok().after(Duration.ofMillis(400)));
		List<CompletableFuture<HttpResponse<Void>>> answers = IntStream.range(0, 1000)
			.mapToObj((i) -> http.sendAsync(pushRequest("many-" + i, "u" + (i % 2)),
					HttpResponse.BodyHandlers.discarding()))
			.toList();

		assertThat(answers).allSatisfy((answer) -> assertThat(answer.join().statusCode()).isEqualTo(204));
		assertThat(server.committedInsertIds()).hasSize(1000);
		assertThat(server.insertAlls()).extracting((request) -> request.rows().size())
			.anySatisfy((rows) -> assertThat(rows).isGreaterThan(16));
	}

	@Test
	void invalidRowsBecomeBadRowsAndTheirNeighboursAreStored() throws Exception {
		server.rejectRows((row) -> "bad-user".equals(row.json().get("user_id")));

		assertThat(send("good-1", "bad-user-neighbour")).isEqualTo(204);
		assertThat(send("bad-1", "bad-user")).isEqualTo(204);

		assertThat(server.committedInsertIds()).containsExactly("good-1");
		HttpResponse<String> badRows = get("/api/bad-rows?limit=10");
		assertThat(badRows.statusCode()).isEqualTo(200);
		assertThat(badRows.body()).contains("\"message_id\":\"bad-1\"").contains("\"reason\":\"invalid\"");
	}

	@Test
	void backendErrorAndRateLimitAreRetriedThenAcked() throws Exception {
		server.answerNext(Answer.backendError(), Answer.rateLimited());

		assertThat(send("retry-1", "u1")).isEqualTo(204);

		assertThat(server.insertAllCount()).isEqualTo(3);
		assertThat(server.committedInsertIds()).containsExactly("retry-1");
	}

	@Test
	void aDroppedConnectionIsRetriedThenAcked() throws Exception {
		server.answerNext(Answer.droppedConnection());

		assertThat(send("dropped-1", "u1")).isEqualTo(204);

		assertThat(server.insertAllCount()).isEqualTo(2);
		assertThat(server.committedInsertIds()).containsExactly("dropped-1");
	}

	@Test
	void aPersistentFailureIsAnswered503() throws Exception {
		server.answerAlways(Answer.backendError());

		assertThat(send("down-1", "u1")).isEqualTo(503);

		assertThat(server.insertAllCount()).isGreaterThan(1);
		assertThat(server.committedInsertIds()).isEmpty();
	}

	@Test
	void readinessNamesAMissingTemplateTableAndLivenessIgnoresIt() throws Exception {
		HttpResponse<String> ready = get("/actuator/health/readiness");
		assertThat(ready.statusCode()).isEqualTo(200);
		assertThat(ready.body()).contains("\"bigQuery\"");

		server.dropTable("pixel");

		HttpResponse<String> notReady = get("/actuator/health/readiness");
		assertThat(notReady.statusCode()).isEqualTo(503);
		assertThat(notReady.body()).contains("test-project:pixel_tracking.pixel does not exist");
		HttpResponse<String> live = get("/actuator/health/liveness");
		assertThat(live.statusCode()).isEqualTo(200);
		assertThat(live.body()).doesNotContain("bigQuery");
		assertThat(send("missing-1", "u1")).isEqualTo(503);
	}

}
