package dev.pixelpipeline.ingest;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

import dev.pixelpipeline.support.Http;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The laptop path: a GET of /pixel.png answers the PNG and the hit shows up through the
 * read API at once.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LocalPixelIntegrationTests {

	private static final byte[] PNG_SIGNATURE = { (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

	@TempDir
	static Path dir;

	@DynamicPropertySource
	static void store(DynamicPropertyRegistry registry) {
		registry.add("pipeline.embedded.path", () -> dir.resolve("local.duckdb").toString());
	}

	@LocalServerPort
	int port;

	private final JsonMapper json = JsonMapper.builder().build();

	@Test
	void servesThePixelAndStoresTheHit() {
		Http http = new Http(this.port);
		HttpResponse<byte[]> pixel = http.getBytes("/pixel.png?user_id=u1&type=view&other=x", "User-Agent",
				"integration-test", "Referer", "https://shop.example.com/page");
		assertThat(pixel.statusCode()).isEqualTo(200);
		assertThat(pixel.headers().firstValue("Content-Type")).hasValue("image/png");
		assertThat(pixel.headers().firstValue("Cache-Control")).hasValue("no-store");
		assertThat(pixel.body()).startsWith(PNG_SIGNATURE);

		String today = LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE);
		JsonNode tables = this.json.readTree(http.get("/api/tables").body());
		assertThat(tables.findValuesAsString("name")).contains("pixel_u1_" + today);

		JsonNode events = this.json.readTree(http.get("/api/events?limit=10&table=pixel_u1_" + today).body());
		assertThat(events.size()).isEqualTo(1);
		JsonNode event = events.get(0);
		assertThat(event.get("user_id").asString()).isEqualTo("u1");
		assertThat(event.get("type").asString()).isEqualTo("view");
		assertThat(event.get("order_id").isNull()).isTrue();
		assertThat(event.has("other")).isFalse();
		assertThat(event.get("user_agent").asString()).isEqualTo("integration-test");
		assertThat(event.get("referer").asString()).isEqualTo("https://shop.example.com/page");
		assertThat(event.get("remote_ip").asString()).isEqualTo("127.0.0.0");
		assertThat(event.get("status").asInt()).isEqualTo(200);
		assertThat(event.get("_table").asString()).isEqualTo("pixel_u1_" + today);
	}

	@Test
	void aHitWithoutUserGoesToTheUnknownTable() {
		Http http = new Http(this.port);
		assertThat(http.getBytes("/pixel.png?type=view").statusCode()).isEqualTo(200);
		String today = LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE);
		JsonNode events = this.json.readTree(http.get("/api/events?table=pixel_unknown_" + today).body());
		assertThat(events.size()).isGreaterThanOrEqualTo(1);
	}

	@Test
	void readApiRefusesUnboundedLimits() {
		Http http = new Http(this.port);
		for (String path : List.of("/api/events?limit=0", "/api/events?limit=100000", "/api/bad-rows?limit=-1")) {
			assertThat(http.get(path).statusCode()).as(path).isEqualTo(400);
		}
	}

}
