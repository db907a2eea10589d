package dev.pixelpipeline.ingest;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import dev.pixelpipeline.store.embedded.EmbeddedReads;
import dev.pixelpipeline.support.Http;
import dev.pixelpipeline.support.Pushes;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code pipeline.privacy.drop-user-agent} a stored row has no user agent, and the
 * client IP is anonymised by default: pushed through the real endpoint into the real
 * store.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "pipeline.embedded.path=:memory:", "pipeline.privacy.drop-user-agent=true" })
class PrivacyIntegrationTests {

	@LocalServerPort
	int port;

	@Autowired
	EmbeddedReads database;

	@Test
	void userAgentIsDroppedAndIpv4IsAnonymised() throws Exception {
		String userId = "privacy_" + UUID.randomUUID().toString().replace("-", "");
		assertThat(Pushes.push(this.port, Pushes.wrappedHit("privacy-" + userId, userId), null).statusCode())
			.isEqualTo(204);
		assertThat(this.database.events(10, Pushes.table(userId))).singleElement().satisfies((row) -> {
			assertThat(row.get("user_agent")).isNull();
			assertThat(row.get("remote_ip")).isEqualTo("203.0.113.0");
			assertThat(row.get("referer")).isEqualTo("https://www.example.com/checkout");
		});
	}

	@Test
	void ipv6KeepsOnlyItsFirst48Bits() throws Exception {
		String userId = "privacy6_" + UUID.randomUUID().toString().replace("-", "");
		String entry = Pushes.logEntry("privacy6-" + userId, "/pixel.png?user_id=" + userId)
			.replace("203.0.113.54:51324", "[2001:db8:85a3:8d3:1319:8a2e:370:7348]:443");
		assertThat(Pushes
			.push(this.port, Pushes.wrapped("privacy6-" + userId, entry.getBytes(StandardCharsets.UTF_8)), null)
			.statusCode()).isEqualTo(204);
		assertThat(this.database.events(10, Pushes.table(userId))).singleElement()
			.satisfies((row) -> assertThat(row.get("remote_ip")).isEqualTo("2001:db8:85a3::"));
	}

	@Test
	void localPixelDropsTheUserAgentToo() throws Exception {
		String userId = "privacy_pixel_" + UUID.randomUUID().toString().replace("-", "");
		assertThat(new Http(this.port).get("/pixel.png?user_id=" + userId).statusCode()).isEqualTo(200);
		assertThat(this.database.events(10, Pushes.table(userId))).singleElement().satisfies((row) -> {
			assertThat(row.get("user_agent")).isNull();
			assertThat(row.get("remote_ip")).isEqualTo("127.0.0.0");
		});
	}

}
