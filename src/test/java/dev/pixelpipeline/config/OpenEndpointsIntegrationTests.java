package dev.pixelpipeline.config;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import dev.pixelpipeline.store.embedded.EmbeddedReads;
import dev.pixelpipeline.support.Http;
import dev.pixelpipeline.support.Pushes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local defaults on a random port: actuator exposes health (with its probes), info
 * and prometheus and nothing else; push authentication is off and security stays out of
 * the way (no token, no CSRF token, no session, no login page).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "pipeline.embedded.path=:memory:")
class OpenEndpointsIntegrationTests {

	@LocalServerPort
	int port;

	@Autowired
	EmbeddedReads database;

	@ParameterizedTest
	@ValueSource(strings = { "/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness",
			"/actuator/info", "/actuator/prometheus" })
	void exposedEndpointsAnswer(String path) throws Exception {
		HttpResponse<String> response = new Http(this.port).get(path);
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Set-Cookie")).isEmpty();
	}

	@Test
	void healthShowsNoDetails() throws Exception {
		assertThat(new Http(this.port).get("/actuator/health").body()).contains("\"status\":\"UP\"")
			.doesNotContain("components")
			.doesNotContain("details")
			.doesNotContain("duckdb");
	}

	@Test
	void prometheusServesThePipelineMeters() throws Exception {
		Pushes.push(this.port, Pushes.wrappedHit("prom-" + UUID.randomUUID(), "prom"), null);
		assertThat(new Http(this.port).get("/actuator/prometheus").body()).contains("pixel_events_received_total");
	}

	@ParameterizedTest
	@ValueSource(strings = { "/actuator/env", "/actuator/env/java.home", "/actuator/beans", "/actuator/heapdump",
			"/actuator/threaddump", "/actuator/configprops", "/actuator/mappings", "/actuator/metrics",
			"/actuator/loggers", "/actuator/conditions", "/actuator/scheduledtasks", "/actuator/caches",
			"/actuator/startup", "/actuator/sbom", "/actuator/logfile", "/actuator/auditevents",
			"/actuator/httpexchanges", "/actuator/quartz", "/actuator/flyway", "/actuator/liquibase",
			"/actuator/sessions", "/actuator/integrationgraph", "/login", "/logout" })
	void everythingElseIsNotFound(String path) throws Exception {
		assertThat(new Http(this.port).get(path).statusCode()).isEqualTo(404);
	}

	@ParameterizedTest
	@ValueSource(strings = { "/actuator/shutdown", "/actuator/loggers/ROOT", "/actuator/env", "/actuator/threaddump" })
	void nothingCanBePostedToActuator(String path) throws Exception {
		HttpResponse<String> response = new Http(this.port)
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString("{\"configuredLevel\":\"TRACE\"}"))
				.build());
		assertThat(response.statusCode()).isEqualTo(404);
	}

	@Test
	void pushNeedsNeitherTokenNorCsrfTokenAndMakesNoSession() throws Exception {
		String userId = "open_" + UUID.randomUUID().toString().replace("-", "");
		HttpResponse<String> response = Pushes.push(this.port, Pushes.wrappedHit("open-" + userId, userId), null);
		assertThat(response.statusCode()).isEqualTo(204);
		assertThat(response.headers().firstValue("Set-Cookie")).isEmpty();
		assertThat(this.database.events(10, Pushes.table(userId))).hasSize(1);
	}

	@Test
	void emulatorStyleFormEncodedPushIsReadAsJson() throws Exception {
		String userId = "form_" + UUID.randomUUID().toString().replace("-", "");
		String entry = Pushes.logEntry("form-" + userId,
				"https://track.example.com/pixel.png?user_id=" + userId + "&type=view&access_token=x");
		HttpResponse<String> response = new Http(this.port)
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/pubsub/push"))
				.header("Content-Type", "application/x-www-form-urlencoded")
				.header("x-goog-pubsub-message-id", "form-" + userId)
				.POST(HttpRequest.BodyPublishers.ofString(entry, StandardCharsets.UTF_8))
				.build());
		assertThat(response.statusCode()).isEqualTo(204);
		assertThat(this.database.events(10, Pushes.table(userId))).hasSize(1);
	}

	@Test
	void pixelAndReadApiAreOpenLocally() throws Exception {
		HttpResponse<String> pixel = new Http(this.port).get("/pixel.png?user_id=local&type=view");
		assertThat(pixel.statusCode()).isEqualTo(200);
		assertThat(pixel.headers().firstValue("Set-Cookie")).isEmpty();
		assertThat(new Http(this.port).get("/api/tables").statusCode()).isEqualTo(200);
	}

}
