package dev.pixelpipeline;

import java.io.IOException;
import java.net.http.HttpResponse;

import dev.pixelpipeline.store.embedded.EmbeddedDatabase;
import dev.pixelpipeline.support.TestTraffic;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With the store gone, readiness says DOWN (503) so the platform stops sending traffic,
 * while liveness stays UP (200) so the process is not restarted for an outage it cannot
 * fix.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "pipeline.embedded.path=:memory:" })
@DirtiesContext
class ReadinessIntegrationTests {

	@LocalServerPort
	int port;

	@Autowired
	EmbeddedDatabase database;

	@Test
	void readinessFollowsTheStoreAndLivenessDoesNot() throws IOException {
		TestTraffic traffic = new TestTraffic(this.port);
		JsonMapper json = JsonMapper.builder().build();
		assertThat(traffic.get("/actuator/health/readiness").statusCode()).isEqualTo(200);

		this.database.close();

		HttpResponse<String> readiness = traffic.get("/actuator/health/readiness");
		assertThat(readiness.statusCode()).isEqualTo(503);
		assertThat(json.readTree(readiness.body()).path("status").asString()).isEqualTo("DOWN");
		HttpResponse<String> liveness = traffic.get("/actuator/health/liveness");
		assertThat(liveness.statusCode()).isEqualTo(200);
		assertThat(json.readTree(liveness.body()).path("status").asString()).isEqualTo("UP");
	}

}
