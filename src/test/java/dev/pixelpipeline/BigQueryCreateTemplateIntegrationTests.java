package dev.pixelpipeline;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import dev.pixelpipeline.support.BigQueryServer;
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
		HttpClient client = HttpClient.newHttpClient();
		HttpRequest probe = HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/actuator/health/readiness"))
			.build();
		HttpResponse<String> readiness = client.send(probe, HttpResponse.BodyHandlers.ofString());
		for (int attempt = 1; attempt < 30 && readiness.statusCode() != 200; attempt++) {
			Thread.sleep(1000);
			readiness = client.send(probe, HttpResponse.BodyHandlers.ofString());
		}

		assertThat(readiness.statusCode()).isEqualTo(200);
		assertThat(server.createdTables()).containsExactly(BigQueryServer.TEMPLATE);
		assertThat(server.table(BigQueryServer.TEMPLATE)).containsKey("schema").doesNotContainKey("timePartitioning");
	}

}
