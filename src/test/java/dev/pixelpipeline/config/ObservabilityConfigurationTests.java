package dev.pixelpipeline.config;

import java.time.Duration;

import dev.pixelpipeline.support.MetricServiceStandIn;
import io.micrometer.core.instrument.Clock;
import io.micrometer.stackdriver.StackdriverConfig;
import io.micrometer.stackdriver.StackdriverMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.micrometer.metrics.autoconfigure.MeterRegistryCustomizer;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.stackdriver.StackdriverMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class ObservabilityConfigurationTests {

	private static final StackdriverConfig OFFLINE = new StackdriverConfig() {

		@Override
		public String get(String key) {
			return null;
		}

		@Override
		public String projectId() {
			return "test-project";
		}

		@Override
		public boolean enabled() {
			return false;
		}

		@Override
		public Duration step() {
			return Duration.ofMinutes(1);
		}

	};

	@Test
	void cloudMonitoringSeriesCarryTheConfiguredInstance() {
		StackdriverMeterRegistry registry = new StackdriverMeterRegistry(OFFLINE, Clock.SYSTEM);
		MeterRegistryCustomizer<StackdriverMeterRegistry> customizer = new ObservabilityConfiguration()
			.stackdriverInstanceTag(properties("pod-7"));
		customizer.customize(registry);
		registry.counter("pixel.events.received", "delivery", "pull").increment();
		assertThat(registry.find("pixel.events.received").tag("instance", "pod-7").tag("delivery", "pull").counter())
			.isNotNull();
		registry.close();
	}

	private final ApplicationContextRunner contexts = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(MetricsAutoConfiguration.class, StackdriverMetricsExportAutoConfiguration.class))
		.withUserConfiguration(ObservabilityConfiguration.class, Properties.class)
		.withPropertyValues("management.stackdriver.metrics.export.project-id=test-project");

	@Test
	void aMonitoringHostGetsTheSeriesOverPlaintextWithoutCredentials() {
		try (MetricServiceStandIn monitoring = MetricServiceStandIn.start()) {
			this.contexts.withPropertyValues("pipeline.metrics.monitoring-host=" + monitoring.hostPort())
				.run((context) -> {
					StackdriverMeterRegistry registry = context.getBean(StackdriverMeterRegistry.class);
					registry.counter("pixel.events.received", "delivery", "pull").increment();
				});
			// Closing the context closed the registry, which publishes what it holds.
			assertThat(monitoring.metricTypes()).contains("custom.googleapis.com/pixel/events/received");
			assertThat(monitoring.timeSeriesRequests())
				.allSatisfy((request) -> assertThat(request.getName()).isEqualTo("projects/test-project"));
		}
	}

	@Test
	void noRegistryWhenTheExportIsOffEvenWithAMonitoringHost() {
		this.contexts
			.withPropertyValues("pipeline.metrics.monitoring-host=127.0.0.1:1",
					"management.stackdriver.metrics.export.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(StackdriverMeterRegistry.class));
	}

	/** Binds {@code pipeline.*}. */
	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(PipelineProperties.class)
	static class Properties {

	}

	@Test
	void anUnsetInstanceIsGeneratedAndUniquePerProcess() {
		String generated = ObservabilityConfiguration.instanceId("");
		assertThat(generated).hasSize(36).isNotEqualTo(ObservabilityConfiguration.instanceId(null));
		assertThat(ObservabilityConfiguration.instanceId("pod-7")).isEqualTo("pod-7");
	}

	private static PipelineProperties properties(String instanceId) {
		return new PipelineProperties(PipelineProperties.SinkType.EMBEDDED, "/pixel.png", java.util.List.of("user_id"),
				new PipelineProperties.Privacy(true, false),
				new PipelineProperties.Table("pixel", "", "[A-Za-z0-9_-]{1,64}", 1000, Duration.ofHours(1), 25000),
				new PipelineProperties.Embedded(":memory:", null), null, new PipelineProperties.LocalPixel(true),
				new PipelineProperties.ReadApi(true),
				new PipelineProperties.Push(Duration.ofSeconds(9),
						org.springframework.util.unit.DataSize.ofMegabytes(1),
						new PipelineProperties.Auth(false, null, java.util.List.of(), Duration.ofSeconds(30))),
				new PipelineProperties.Metrics(instanceId, null),
				new PipelineProperties.DeadLetter(null, false, Duration.ofSeconds(5)),
				new PipelineProperties.Ingest(PipelineProperties.IngestMode.PUSH, null, 1000,
						org.springframework.util.unit.DataSize.ofMegabytes(100), 1, null),
				new PipelineProperties.Shutdown(Duration.ofMillis(1500)),
				new PipelineProperties.Enrich(true, dev.pixelpipeline.parse.BotPolicy.TAG, null, 100));
	}

}
