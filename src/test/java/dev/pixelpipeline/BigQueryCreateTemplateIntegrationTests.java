package dev.pixelpipeline;

import java.net.http.HttpResponse;

import dev.pixelpipeline.support.BigQueryServer;
import dev.pixelpipeline.support.Http;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code pipeline.bigquery.create-template=true} a missing template table is created
 * from the row schema.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "pipeline.embedded.path=:memory:", "pipeline.bigquery.create-template=true" })
class BigQueryCreateTemplateIntegrationTests {

	private static final BigQueryServer server = BigQueryServer.start();

	static {
		server.dropTable(BigQueryServer.TEMPLATE);
	}

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

	@Test
	void missingTemplateIsCreatedAndReadinessGoesUp() throws Exception {
		// The health check creates the template in the background and waits at most
		// health-timeout for BigQuery,
		// so on a loaded machine the first probes may still see it DOWN: probe as Cloud
		// Run's startup probe would.
		Http http = new Http(this.port);
		HttpResponse<String> readiness = http.get("/actuator/health/readiness");
		for (int attempt = 1; attempt < 30 && readiness.statusCode() != 200; attempt++) {
			Thread.sleep(1000);
			readiness = http.get("/actuator/health/readiness");
		}

		assertThat(readiness.statusCode()).isEqualTo(200);
		assertThat(server.createdTables()).containsExactly(BigQueryServer.TEMPLATE);
		assertThat(server.table(BigQueryServer.TEMPLATE)).containsKey("schema").doesNotContainKey("timePartitioning");
	}

}
