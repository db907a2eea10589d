package dev.pixelpipeline;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import dev.pixelpipeline.support.BigQueryServer;
import dev.pixelpipeline.support.Fixtures;
import dev.pixelpipeline.support.Pushes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The template layout's table bound, through the whole service with the real BigQuery
 * client and {@link BigQueryServer}: a visitor minting user ids makes BigQuery receive
 * inserts for at most {@code pipeline.table.max-new-tables} tables, and every refused hit
 * is acked and kept as a bad row with reason {@code table_limit} and its payload.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "pipeline.embedded.path=:memory:", "pipeline.table.max-new-tables=5",
				"pipeline.table.new-tables-window=1h", "pipeline.table.known-tables=50" })
class TableLimitIntegrationTests {

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

	private int send(String messageId, String userId) throws Exception {
		String entry = Fixtures.withInsertId(
				Fixtures.replaced("cdn-cache-hit.json", "user_id=5f2b8c1e9a7d3e4f6a1b2c3d", "user_id=" + userId),
				messageId);
		HttpRequest request = Pushes.request(this.port, Pushes.wrapped(messageId, entry), Duration.ofSeconds(60))
			.build();
		return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
	}

	private String get(String path) throws Exception {
		HttpResponse<String> response = http.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(path).isEqualTo(200);
		return response.body();
	}

	@Test
	void mintedUserIdsStayWithinTheBoundAndTheRestAreReplayableBadRows() throws Exception {
		ExecutorService clients = Executors.newFixedThreadPool(16);
		try {
			List<Future<Integer>> answers = new ArrayList<>();
			for (int i = 0; i < 200; i++) {
				String id = "minted-" + i;
				answers.add(clients.submit(() -> send(id, "visitor-" + id)));
			}
			for (Future<Integer> answer : answers) {
				assertThat(answer.get()).as("acked: stored or kept as a bad row").isEqualTo(204);
			}
		}
		finally {
			clients.shutdownNow();
		}
		// An id outside the value pattern takes no table at all.
		assertThat(send("hostile-1", "x".repeat(100))).isEqualTo(204);

		Set<String> requested = server.insertAlls()
			.stream()
			.map(BigQueryServer.InsertAll::targetTable)
			.collect(Collectors.toSet());
		assertThat(requested).hasSize(5).allMatch((table) -> table.startsWith("pixel_visitor_minted_"));
		Set<String> stored = server.committedInsertIds();
		assertThat(stored).hasSize(5);

		// A hit for a table admitted before is no new table.
		String admittedUser = requested.iterator()
			.next()
			.substring("pixel_visitor_".length(), requested.iterator().next().length() - "_20261004".length())
			.replace('_', '-');
		assertThat(send("again-1", "visitor-" + admittedUser)).isEqualTo(204);
		assertThat(server.committedInsertIds()).contains("again-1");

		List<Map<String, Object>> badRows = JsonMapper.builder()
			.build()
			.readValue(get("/api/bad-rows?limit=1000"), new TypeReference<>() {
			});
		assertThat(badRows).hasSize(196).allSatisfy((row) -> {
			assertThat(row.get("reason")).isEqualTo("table_limit");
			assertThat(stored).doesNotContain((String) row.get("message_id"));
		});
		Map<String, Object> hostile = badRows.stream()
			.filter((row) -> "hostile-1".equals(row.get("message_id")))
			.findFirst()
			.orElseThrow();
		assertThat((String) hostile.get("detail")).contains("pipeline.table.suffix-value-pattern");
		Map<String, Object> capped = badRows.stream()
			.filter((row) -> !"hostile-1".equals(row.get("message_id")))
			.findFirst()
			.orElseThrow();
		assertThat((String) capped.get("detail")).contains("pipeline.table.max-new-tables (5)");
		// The payload is the message as received, so a replay can store it later.
		assertThat((String) capped.get("payload")).contains("visitor-" + capped.get("message_id"));

		assertThat(get("/actuator/prometheus"))
			.containsPattern("pixel_events_bad_total\\{[^}]*reason=\"table_limit\"[^}]*\\} 196")
			.containsPattern("pixel_table_new\\{[^}]*\\} 5");
	}

}
