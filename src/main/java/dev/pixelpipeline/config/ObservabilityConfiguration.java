package dev.pixelpipeline.config;

import java.util.UUID;

import io.micrometer.stackdriver.StackdriverMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.micrometer.metrics.autoconfigure.MeterRegistryCustomizer;
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

}
