package dev.pixelpipeline.ingest;

import java.util.Map;
import java.util.UUID;

import dev.pixelpipeline.store.embedded.EmbeddedReads;
import dev.pixelpipeline.support.Http;
import dev.pixelpipeline.support.Pushes;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The three bot policies end to end: a crawler's and a phone's hit pushed through the
 * real endpoint into the real embedded store; {@code tag} stores the crawler with
 * {@code is_bot} true, {@code drop} acks it without a row and counts it as ignored with
 * reason {@code bot}, {@code keep} stores it unclassified.
 */
class BotPolicyIntegrationTests {

	static final String GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

	static final String PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
			+ " Chrome/120.0.6099.43 Mobile Safari/537.36";

	abstract static class Policy {

		@LocalServerPort
		int port;

		@Autowired
		EmbeddedReads database;

		@Autowired
		MeterRegistry registry;

		String push(String userAgent) throws Exception {
			String userId = "bots_" + UUID.randomUUID().toString().replace("-", "");
			String entry = Pushes.logEntry("bots-" + userId, "/pixel.png?user_id=" + userId + "&utm_source=news")
				.replace("Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0", userAgent);
			assertThat(Pushes.push(this.port, Pushes.wrapped("bots-" + userId, entry), null).statusCode())
				.isEqualTo(204);
			return userId;
		}

		Map<String, Object> row(String userId) throws Exception {
			return this.database.events(10, Pushes.table(userId)).get(0);
		}

		double count(String name, String... tags) {
			var counter = this.registry.find(name).tags(tags).counter();
			return (counter != null) ? counter.count() : 0;
		}

		void assertPhoneIsEnriched() throws Exception {
			Map<String, Object> row = row(push(PHONE));
			assertThat(row).containsEntry("device_class", "Phone")
				.containsEntry("agent_name", "Chrome Mobile")
				.containsEntry("agent_major", "120")
				.containsEntry("os_name", "Android")
				.containsEntry("referer_host", "www.example.com");
			assertThat(row.get("is_bot")).isEqualTo(policyClassifies() ? Boolean.FALSE : null);
		}

		boolean policyClassifies() {
			return true;
		}

	}

	@Nested
	@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
	@TestPropertySource(properties = "pipeline.embedded.path=:memory:")
	class Tag extends Policy {

		@Test
		void aCrawlerIsStoredTaggedAndCounted() throws Exception {
			double before = count("pixel.events.bots");
			Map<String, Object> row = row(push(GOOGLEBOT));
			assertThat(row).containsEntry("is_bot", true)
				.containsEntry("device_class", "Robot")
				.containsEntry("agent_name", "Googlebot");
			assertThat(count("pixel.events.bots")).isEqualTo(before + 1);
		}

		@Test
		void aPhoneGetsItsColumns() throws Exception {
			assertPhoneIsEnriched();
		}

	}

	@Nested
	@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
	@TestPropertySource(properties = { "pipeline.embedded.path=:memory:", "pipeline.enrich.bots=drop" })
	class Drop extends Policy {

		@Test
		void aCrawlerIsAckedCountedAndNotStored() throws Exception {
			double before = count(PipelineMetrics.IGNORED, "reason", "bot");
			String userId = push(GOOGLEBOT);
			assertThat(this.database.events(10, Pushes.table(userId))).isEmpty();
			assertThat(count(PipelineMetrics.IGNORED, "reason", "bot")).isEqualTo(before + 1);
			// The local page shows it.
			assertThat(new Http(this.port).get("/api/stats").body()).contains("\"bots_dropped\":" + (before + 1));
		}

		@Test
		void aPhoneIsStoredAsNoBot() throws Exception {
			assertPhoneIsEnriched();
		}

	}

	@Nested
	@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
	@TestPropertySource(properties = { "pipeline.embedded.path=:memory:", "pipeline.enrich.bots=keep" })
	class Keep extends Policy {

		@Test
		void aCrawlerIsStoredUnclassified() throws Exception {
			double before = count("pixel.events.bots");
			Map<String, Object> row = row(push(GOOGLEBOT));
			assertThat(row).containsEntry("agent_name", "Googlebot").containsEntry("is_bot", null);
			assertThat(count("pixel.events.bots")).isEqualTo(before);
		}

		@Test
		void aPhoneGetsItsColumnsButNoBotFlag() throws Exception {
			assertPhoneIsEnriched();
		}

		@Override
		boolean policyClassifies() {
			return false;
		}

	}

	@Nested
	@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
	@TestPropertySource(properties = { "pipeline.embedded.path=:memory:", "pipeline.enrich.user-agent=false" })
	class Off extends Policy {

		@Test
		void noUserAgentColumnIsFilledButTheRefererHostIs() throws Exception {
			Map<String, Object> row = row(push(GOOGLEBOT));
			assertThat(row).containsEntry("device_class", null)
				.containsEntry("agent_name", null)
				.containsEntry("is_bot", null)
				.containsEntry("referer_host", "www.example.com")
				.containsEntry("user_agent", GOOGLEBOT);
		}

	}

}
