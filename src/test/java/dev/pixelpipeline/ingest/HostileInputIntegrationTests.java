package dev.pixelpipeline.ingest;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import dev.pixelpipeline.store.embedded.EmbeddedReads;
import dev.pixelpipeline.support.Http;
import dev.pixelpipeline.support.Pushes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input against the real app on a random port: every case ends in a clear 4xx or
 * a bad row, never a 5xx, and nothing a sender controls reaches the log with a line
 * break.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "pipeline.embedded.path=:memory:")
@ExtendWith(OutputCaptureExtension.class)
class HostileInputIntegrationTests {

	private static final int ONE_MB = 1024 * 1024;

	@LocalServerPort
	int port;

	@Autowired
	EmbeddedReads database;

	@Test
	void bodyOverOneMegabyteWithContentLengthIs413BeforeItIsSent() throws Exception {
		HttpResponse<String> response = new Http(this.port).send(pushRequest().expectContinue(true)
			.POST(HttpRequest.BodyPublishers.ofByteArray(new byte[ONE_MB + 1]))
			.build());
		assertThat(response.statusCode()).isEqualTo(413);
	}

	@Test
	void chunkedBodyOverOneMegabyteIs413() throws Exception {
		byte[] body = new byte[ONE_MB + ONE_MB / 2];
		Arrays.fill(body, (byte) ' ');
		HttpResponse<String> response = new Http(this.port)
			.send(pushRequest().POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
				.build());
		assertThat(response.statusCode()).isEqualTo(413);
	}

	@Test
	void bodyOfExactlyOneMegabyteIsRead() throws Exception {
		String userId = "at_limit_" + suffix();
		String push = Pushes.wrappedHit("at-limit-" + suffix(), userId);
		String padded = push + " ".repeat(ONE_MB - push.getBytes(StandardCharsets.UTF_8).length);
		HttpResponse<String> response = Pushes.push(this.port, padded, null);
		assertThat(response.statusCode()).isEqualTo(204);
		assertThat(this.database.events(10, Pushes.table(userId))).hasSize(1);
	}

	@Test
	void declaredLengthOverTheLimitIs413WithoutWaitingForTheBody() throws Exception {
		assertThat(raw("POST /pubsub/push HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
				+ "Content-Length: 50000000\r\nConnection: close\r\n\r\n{}"))
			.startsWith("HTTP/1.1 413");
	}

	@Test
	void unparseableContentLengthIs400() throws Exception {
		assertThat(raw("POST /pubsub/push HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
				+ "Content-Length: 12abc\r\nConnection: close\r\n\r\n{}"))
			.startsWith("HTTP/1.1 400");
	}

	@Test
	void contentLengthTogetherWithChunkedIsRefused() throws Exception {
		assertThat(raw("POST /pubsub/push HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
				+ "Content-Length: 2\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n"))
			.matches("HTTP/1.1 4\\d\\d.*");
	}

	@Test
	void deeplyNestedWrapperIs400() throws Exception {
		HttpResponse<String> response = Pushes.push(this.port, "{\"message\":" + "[".repeat(100_000), null);
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.body()).contains("\"error\"");
	}

	@Test
	void deeplyNestedObjectsInTheWrapperAre400() throws Exception {
		String deep = "{\"a\":".repeat(5000) + "1" + "}".repeat(5000);
		HttpResponse<String> response = Pushes.push(this.port, deep, null);
		assertThat(response.statusCode()).isEqualTo(400);
	}

	@Test
	void overlongNumberInTheWrapperIs400() throws Exception {
		HttpResponse<String> response = Pushes.push(this.port,
				"{\"deliveryAttempt\":" + "9".repeat(5000) + ",\"message\":{\"data\":\"\"}}", null);
		assertThat(response.statusCode()).isEqualTo(400);
	}

	@Test
	void deeplyNestedLogEntryIsABadRow() throws Exception {
		String id = "deep-" + suffix();
		byte[] data = ("{\"httpRequest\":" + "{\"x\":".repeat(1000) + "1" + "}".repeat(1000) + "}")
			.getBytes(StandardCharsets.UTF_8);
		assertThat(Pushes.push(this.port, Pushes.wrapped(id, data), null).statusCode()).isEqualTo(204);
		assertThat(badRow(id)).hasValueSatisfying((row) -> assertThat(row).containsEntry("reason", "json_too_complex"));
	}

	@Test
	void overlongNumberInTheLogEntryIsABadRow() throws Exception {
		String id = "number-" + suffix();
		byte[] data = ("{\"httpRequest\":{\"status\":" + "1".repeat(10_000) + "}}").getBytes(StandardCharsets.UTF_8);
		assertThat(Pushes.push(this.port, Pushes.wrapped(id, data), null).statusCode()).isEqualTo(204);
		assertThat(badRow(id)).hasValueSatisfying((row) -> assertThat(row).containsEntry("reason", "json_too_complex"));
	}

	@Test
	void overlongFieldNameInTheLogEntryIsABadRow() throws Exception {
		String id = "name-" + suffix();
		byte[] data = ("{\"" + "n".repeat(5000) + "\":1}").getBytes(StandardCharsets.UTF_8);
		assertThat(Pushes.push(this.port, Pushes.wrapped(id, data), null).statusCode()).isEqualTo(204);
		assertThat(badRow(id)).hasValueSatisfying((row) -> assertThat(row).containsEntry("reason", "json_too_complex"));
	}

	@Test
	void urlOver16KibIsABadRow() throws Exception {
		String id = "long-url-" + suffix();
		String url = "https://track.example.com/pixel.png?user_id=u1&pad=" + "x".repeat(16 * 1024);
		assertThat(Pushes.push(this.port, Pushes.wrapped(id, entry(id, url)), null).statusCode()).isEqualTo(204);
		assertThat(badRow(id)).hasValueSatisfying((row) -> assertThat(row).containsEntry("reason", "url_too_long"));
	}

	@Test
	void parametersPastTheHundredthAreNotLookedAt() throws Exception {
		String id = "many-params-" + suffix();
		String order = "o" + suffix();
		StringBuilder query = new StringBuilder("order_id=" + order);
		for (int i = 2; i <= 100; i++) {
			query.append("&p").append(i).append('=').append(i);
		}
		query.append("&user_id=late&type=late");
		String url = "https://track.example.com/pixel.png?" + query;
		assertThat(Pushes.push(this.port, Pushes.wrapped(id, entry(id, url)), null).statusCode()).isEqualTo(204);
		List<Map<String, Object>> rows = this.database.events(10, Pushes.table("unknown"));
		assertThat(rows).filteredOn((row) -> order.equals(row.get("order_id"))).singleElement().satisfies((row) -> {
			assertThat(row.get("user_id")).isNull();
			assertThat(row.get("type")).isNull();
		});
	}

	@Test
	void valuesOver1024CharactersAreCut() throws Exception {
		String id = "long-value-" + suffix();
		String userId = "cut_" + suffix();
		String url = "https://track.example.com/pixel.png?user_id=" + userId + "&order_id=" + "7".repeat(5000);
		assertThat(Pushes.push(this.port, Pushes.wrapped(id, entry(id, url)), null).statusCode()).isEqualTo(204);
		assertThat(this.database.events(10, Pushes.table(userId))).singleElement()
			.satisfies((row) -> assertThat(row.get("order_id")).isEqualTo("7".repeat(1024)));
	}

	@Test
	void lineBreaksInAMessageIdNeverReachTheLog(CapturedOutput output) throws Exception {
		String id = "evil\r\nFORGED " + suffix() + "\u2028FORGED2";
		assertThat(Pushes.push(this.port, Pushes.wrapped(id, "not json".getBytes(StandardCharsets.UTF_8)), null)
			.statusCode()).isEqualTo(204);
		assertThat(badRow(id)).hasValueSatisfying((row) -> assertThat(row).containsEntry("reason", "not_json"));
		assertThat(output.getOut()).contains("Bad row: message evil__FORGED")
			.doesNotContain("\nFORGED")
			.doesNotContain("\u2028FORGED2");
	}

	@Test
	void lineBreaksInPixelParametersAreStoredAsDataButNotLogged(CapturedOutput output) throws Exception {
		String marker = "qs" + suffix();
		HttpResponse<String> response = new Http(this.port)
			.get("/pixel.png?user_id=crlf%0D%0A" + marker + "&type=x%0AINJECTED&secret=" + marker);
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(this.database.events(10, Pushes.table("crlf__" + marker))).singleElement()
			.satisfies((row) -> assertThat(row).containsEntry("user_id", "crlf\r\n" + marker)
				.containsEntry("type", "x\nINJECTED"));
		assertThat(output.getOut()).doesNotContain("\nINJECTED").doesNotContain("secret=" + marker);
	}

	@Test
	void longPixelQueryWithinTheRequestLineLimitIsStoredCut() throws Exception {
		String userId = "long_pixel_" + suffix();
		HttpResponse<String> response = new Http(this.port)
			.get("/pixel.png?user_id=" + userId + "&order_id=" + "8".repeat(6000));
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(this.database.events(10, Pushes.table(userId))).singleElement()
			.satisfies((row) -> assertThat((String) row.get("order_id")).hasSize(1024));
	}

	@Test
	void pixelQueryOverTheRequestLineLimitIsAClientError() throws Exception {
		HttpResponse<String> response = new Http(this.port).get("/pixel.png?user_id=u1&pad=" + "x".repeat(20_000));
		assertThat(response.statusCode()).isBetween(400, 499);
	}

	private Optional<Map<String, Object>> badRow(String messageId) throws Exception {
		return this.database.badRows(1000)
			.stream()
			.filter((row) -> messageId.equals(row.get("message_id")))
			.findFirst();
	}

	private static byte[] entry(String id, String url) {
		return Pushes.logEntry(id, url).getBytes(StandardCharsets.UTF_8);
	}

	private HttpRequest.Builder pushRequest() {
		return HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/pubsub/push"))
			.timeout(Duration.ofSeconds(20))
			.header("Content-Type", "application/json");
	}

	/** Sends raw bytes and returns the status line and headers Tomcat answers. */
	private String raw(String request) throws Exception {
		try (Socket socket = new Socket("localhost", this.port)) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			out.write(request.getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] head = in.readNBytes(12);
			return new String(head, StandardCharsets.ISO_8859_1);
		}
	}

	private static String suffix() {
		return UUID.randomUUID().toString().replace("-", "").substring(0, 12);
	}

}
