package dev.pixelpipeline.config;

import java.util.UUID;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.monitoring.v3.MetricServiceSettings;
import io.micrometer.core.instrument.Clock;
import io.micrometer.stackdriver.StackdriverConfig;
import io.micrometer.stackdriver.StackdriverMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.micrometer.metrics.autoconfigure.MeterRegistryCustomizer;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.ConditionalOnEnabledMetricsExport;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

/**
 * Metrics wiring beyond Boot's: the {@code instance} label of the Cloud Monitoring
 * series.
 *
 * <p>
 * {@code service} and {@code revision} are common tags of every registry
 * ({@code management.metrics.tags} in {@code application.yml}, from Cloud Run's
 * {@code K_SERVICE} and {@code K_REVISION}). {@code instance} goes to Cloud Monitoring
 * only: Prometheus sets its own {@code instance} label per scrape target, and an exported
 * one would clash with it.
 *
 * <p>
 * With {@code pipeline.metrics.monitoring-host} set, the Cloud Monitoring registry sends
 * to that endpoint over plaintext gRPC without credentials (a local stand-in of the
 * {@code MetricService}); otherwise Boot's auto-configuration builds it for Google's
 * endpoint.
 */
@Configuration(proxyBeanMethods = false)
class ObservabilityConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(ObservabilityConfiguration.class);

	@Bean
	@ConditionalOnClass(StackdriverMeterRegistry.class)
	MeterRegistryCustomizer<StackdriverMeterRegistry> stackdriverInstanceTag(PipelineProperties properties) {
		String instance = instanceId(properties.metrics().instanceId());
		return (registry) -> {
			logger.info("Cloud Monitoring series of this process carry instance={}", instance);
			registry.config().commonTags("instance", instance);
		};
	}

	static String instanceId(String configured) {
		return StringUtils.hasText(configured) ? configured : UUID.randomUUID().toString();
	}

	/**
	 * The Cloud Monitoring registry pointed at {@code pipeline.metrics.monitoring-host};
	 * Boot's own registry backs off when this bean exists.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(StackdriverMeterRegistry.class)
	@ConditionalOnEnabledMetricsExport("stackdriver")
	@ConditionalOnProperty("pipeline.metrics.monitoring-host")
	static class MonitoringEndpointOverride {

		@Bean
		StackdriverMeterRegistry stackdriverMeterRegistry(StackdriverConfig config, Clock clock,
				PipelineProperties properties) {
			String host = properties.metrics().monitoringHost();
			logger.info("Cloud Monitoring metrics go to {} (plaintext, no credentials)", host);
			return StackdriverMeterRegistry.builder(config)
				.clock(clock)
				.metricServiceSettings(() -> plaintextSettings(host))
				.build();
		}

		static MetricServiceSettings plaintextSettings(String host) throws java.io.IOException {
			return MetricServiceSettings.newBuilder()
				.setEndpoint(host)
				.setCredentialsProvider(NoCredentialsProvider.create())
				.setTransportChannelProvider(MetricServiceSettings.defaultGrpcTransportProviderBuilder()
					.setEndpoint(host)
					.setChannelConfigurator((channel) -> channel.usePlaintext())
					.build())
				.build();
		}

	}

}
