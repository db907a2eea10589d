package dev.pixelpipeline.store.bigquery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.InsertAllRequest;
import com.google.cloud.bigquery.TableId;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client {@link BigQueryClients} builds sends {@code insertAll} bodies as plain JSON,
 * without the gzip the Google API client applies by default, and still sends its usual
 * headers.
 */
class BigQueryClientsTests {

	private final List<String> encodings = new CopyOnWriteArrayList<>();

	private final List<String> bodies = new CopyOnWriteArrayList<>();

	private HttpServer server;

	@BeforeEach
	void start() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/", (exchange) -> {
			try (exchange) {
				this.encodings.add(String.valueOf(exchange.getRequestHeaders().getFirst("Content-Encoding")));
				this.bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
				byte[] answer = "{\"kind\":\"bigquery#tableDataInsertAllResponse\"}".getBytes(StandardCharsets.UTF_8);
				exchange.getResponseHeaders().add("Content-Type", "application/json");
				exchange.sendResponseHeaders(200, answer.length);
				exchange.getResponseBody().write(answer);
			}
		});
		this.server.start();
	}

	@AfterEach
	void stop() {
		this.server.stop(0);
	}

	@Test
	void insertAllBodiesAreNotCompressed() {
		BigQuery client = BigQueryClients.create("project", "http://127.0.0.1:" + this.server.getAddress().getPort(),
				Duration.ofSeconds(2), Duration.ofSeconds(5), 2);
		// Large enough that the client would gzip it (over 256 bytes).
		String agent = "Mozilla/5.0 ".repeat(40);
		client.insertAll(InsertAllRequest.newBuilder(TableId.of("dataset", "pixel"))
			.addRow("id-1", Map.of("user_agent", agent))
			.build());
		assertThat(this.encodings).containsExactly("null");
		assertThat(this.bodies).singleElement()
			.satisfies((body) -> assertThat(body).startsWith("{").contains("\"insertId\":\"id-1\"").contains(agent));
	}

}
