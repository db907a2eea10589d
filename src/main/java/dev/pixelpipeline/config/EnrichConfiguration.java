package dev.pixelpipeline.config;

import java.util.List;

import dev.pixelpipeline.parse.BotPolicy;
import dev.pixelpipeline.parse.UserAgentClassifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * User-agent enrichment ({@code pipeline.enrich.*}): the classifier the parser uses,
 * loaded in the background while the rest of the application starts, and a readiness
 * check that stays DOWN until it is loaded. Absent with
 * {@code pipeline.enrich.user-agent=false}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "pipeline.enrich.user-agent", havingValue = "true", matchIfMissing = true)
class EnrichConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(EnrichConfiguration.class);

	@Bean
	UserAgentClassifier userAgentClassifier(PipelineProperties properties) {
		PipelineProperties.Enrich enrich = properties.enrich();
		// keep: no bot is looked for, so the patterns are not tried either.
		List<String> patterns = (enrich.bots() == BotPolicy.KEEP) ? List.of() : enrich.botPatterns();
		long start = System.nanoTime();
		UserAgentClassifier classifier = UserAgentClassifier.loading(patterns, enrich.cacheSize(), (task) -> {
			Thread thread = new Thread(task, "user-agent-parser-load");
			thread.setDaemon(true);
			thread.start();
		});
		classifier.whenLoaded((failure) -> {
			if (failure == null) {
				logger.info("User-agent parser loaded in {} ms (bots: {}, {} bot patterns)",
						(System.nanoTime() - start) / 1_000_000, enrich.bots().name().toLowerCase(), patterns.size());
			}
			else {
				logger.error("User-agent parser failed to load; readiness stays DOWN", failure);
			}
		});
		return classifier;
	}

	/**
	 * DOWN until ua-parser's regexes are compiled, so that no hit waits for them; part of
	 * readiness only.
	 */
	@Bean
	AbstractHealthIndicator userAgentParserHealthIndicator(UserAgentClassifier classifier) {
		return new AbstractHealthIndicator("user-agent parser check failed") {
			@Override
			protected void doHealthCheck(Health.Builder builder) {
				if (classifier.isLoaded()) {
					builder.up();
				}
				else if (classifier.loadFailure() != null) {
					builder.down()
						.withDetail("reason", "the user-agent parser failed to load: " + classifier.loadFailure());
				}
				else {
					builder.down().withDetail("reason", "the user-agent parser is still loading");
				}
			}
		};
	}

}
