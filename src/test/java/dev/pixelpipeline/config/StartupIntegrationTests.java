package dev.pixelpipeline.config;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import com.google.api.gax.core.CredentialsProvider;
import com.google.cloud.spring.pubsub.core.publisher.PubSubPublisherOperations;
import dev.pixelpipeline.PixelPipelineApplication;
import dev.pixelpipeline.store.BadRowSink;
import dev.pixelpipeline.support.PipelineApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How the application starts: locally with no cloud account at all, and never in the
 * {@code gcp} profile without a dead-letter topic.
 */
class StartupIntegrationTests {

	@TempDir
	Path data;

	@Test
	void theDefaultContextStartsWithoutAnyCloudAccount() throws Exception {
		try (PipelineApp app = PipelineApp
			.start(Map.of("pipeline.embedded.path", this.data.resolve("l.duckdb").toString()))) {
			// Nothing looked for Google credentials or a project: the Pub/Sub client is
			// off.
			assertThat(app.context().getBeanProvider(CredentialsProvider.class).getIfAvailable()).isNull();
			assertThat(app.context().getBeanProvider(PubSubPublisherOperations.class).getIfAvailable()).isNull();
			assertThat(app.context().getBean(BadRowSink.class).name()).isEqualTo("embedded");
			HttpResponse<String> health = HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/actuator/health")).build(),
						HttpResponse.BodyHandlers.ofString());
			assertThat(health.statusCode()).isEqualTo(200);
			assertThat(health.body()).contains("\"UP\"");
		}
	}

	@Test
	void theGcpProfileRefusesToStartWithoutADeadLetterTopic() {
		SpringApplication application = new SpringApplication(PixelPipelineApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setAdditionalProfiles("gcp");
		application.setRegisterShutdownHook(false);
		assertThatThrownBy(() -> application.run("--pipeline.embedded.path=" + this.data.resolve("g.duckdb"),
				"--spring.cloud.gcp.project-id=pixel-test", "--spring.cloud.gcp.pubsub.emulator-host=127.0.0.1:1"))
			.hasRootCauseMessage(deadLetterMessage());
	}

	@Test
	void requiringADeadLetterTopicWithoutOneFailsTheBinding() {
		new ApplicationContextRunner().withUserConfiguration(Properties.class)
			.withPropertyValues("pipeline.dead-letter.required=true")
			.run((context) -> assertThat(context).hasFailed().getFailure().rootCause().hasMessage(deadLetterMessage()));
		new ApplicationContextRunner().withUserConfiguration(Properties.class)
			.withPropertyValues("pipeline.dead-letter.required=true", "pipeline.dead-letter.topic=bad-rows")
			.run((context) -> assertThat(context).hasNotFailed()
				.getBean(PipelineProperties.class)
				.extracting((p) -> p.deadLetter().topic())
				.isEqualTo("bad-rows"));
	}

	private static String deadLetterMessage() {
		return "pipeline.dead-letter.topic is not set, and this deployment requires it (the gcp profile sets"
				+ " pipeline.dead-letter.required=true): bad rows would have nowhere durable to go. Set"
				+ " pipeline.dead-letter.topic to the Pub/Sub topic that receives bad rows.";
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(PipelineProperties.class)
	static class Properties {

	}

}
