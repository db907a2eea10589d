package dev.pixelpipeline.config;

import dev.pixelpipeline.ingest.PullSubscriber;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The push servlet exists in push mode only: in pull mode nothing is pushed, and an open
 * endpoint that stores rows must not be there.
 */
class PushEndpointConditionTests {

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(PipelineProperties.class)
	static class Properties {

	}

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
		.withUserConfiguration(Properties.class, PipelineConfiguration.class, EmbeddedStoreConfiguration.class,
				BadRowsConfiguration.class, IngestConfiguration.class)
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withPropertyValues("pipeline.embedded.path=:memory:");

	/**
	 * Pull mode with a stand-in for the subscriber, which would connect to Pub/Sub on
	 * start ({@code PullModeIntegrationTests} runs the real one).
	 */
	private final ApplicationContextRunner pull = this.runner.withAllowBeanDefinitionOverriding(true)
		.withBean("pullSubscriber", PullSubscriber.class, () -> null)
		.withPropertyValues("spring.cloud.gcp.pubsub.enabled=true");

	@Test
	void pushModeIsTheDefaultAndRegistersThePushServlet() {
		this.runner.run((context) -> assertThat(context).hasNotFailed().hasBean("pushServlet"));
	}

	@Test
	void explicitPushModeRegistersThePushServlet() {
		this.runner.withPropertyValues("pipeline.ingest.mode=push")
			.run((context) -> assertThat(context).hasNotFailed().hasBean("pushServlet"));
	}

	@Test
	void pullModeHasNoPushServlet() {
		this.pull.withPropertyValues("pipeline.ingest.mode=pull", "pipeline.ingest.subscription=pixel-pipeline-pull")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean("pushServlet")
				.hasBean("messageProcessor"));
	}

	@Test
	void pullModeInUpperCaseHasNoPushServletEither() {
		this.pull.withPropertyValues("pipeline.ingest.mode=PULL", "pipeline.ingest.subscription=pixel-pipeline-pull")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean("pushServlet"));
	}

}
