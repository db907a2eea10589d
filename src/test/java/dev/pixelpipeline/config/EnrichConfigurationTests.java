package dev.pixelpipeline.config;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.pixelpipeline.parse.UserAgentClassifier;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The enrichment beans by property: a classifier loaded in the background and its
 * readiness check, none with {@code pipeline.enrich.user-agent=false}, and the settings
 * that cannot go together refused at start-up.
 */
class EnrichConfigurationTests {

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(PipelineProperties.class)
	static class Properties {

	}

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
		.withUserConfiguration(Properties.class, EnrichConfiguration.class);

	@Test
	void loadsTheClassifierAndReportsReadyOnceLoaded() {
		this.runner.run((context) -> {
			UserAgentClassifier classifier = context.getBean(UserAgentClassifier.class);
			classifier.awaitLoaded();
			assertThat(context.getBean("userAgentParserHealthIndicator", AbstractHealthIndicator.class)
				.health(true)
				.getStatus()).isEqualTo(Status.UP);
			assertThat(classifier.classify("curl/8.4.0").bot()).isTrue();
		});
	}

	@Test
	void isDownWhileLoadingAndSaysWhyWhenLoadingFailed() {
		CompletableFuture<ua_parser.Parser> pending = new CompletableFuture<>();
		UserAgentClassifier classifier = new UserAgentClassifier(pending, List.of(), 10);
		var indicator = new EnrichConfiguration().userAgentParserHealthIndicator(classifier);
		Health loading = indicator.health(true);
		assertThat(loading.getStatus()).isEqualTo(Status.DOWN);
		assertThat(loading.getDetails()).containsEntry("reason", "the user-agent parser is still loading");
		pending.completeExceptionally(new IllegalStateException("no regexes.yaml"));
		assertThat(indicator.health(true).getDetails().get("reason").toString()).contains("failed to load")
			.contains("no regexes.yaml");
	}

	@Test
	void keepTriesNoPatterns() {
		this.runner.withPropertyValues("pipeline.enrich.bots=keep").run((context) -> {
			UserAgentClassifier classifier = context.getBean(UserAgentClassifier.class);
			// curl is a bot by pattern only; keep does not try them.
			assertThat(classifier.classify("curl/8.4.0").bot()).isFalse();
		});
	}

	@Test
	void noClassifierWhenEnrichmentIsOff() {
		this.runner.withPropertyValues("pipeline.enrich.user-agent=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(UserAgentClassifier.class));
	}

	@Test
	void dropWithoutUserAgentEnrichmentIsRefused() {
		this.runner.withPropertyValues("pipeline.enrich.user-agent=false", "pipeline.enrich.bots=drop")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("pipeline.enrich.bots=drop needs pipeline.enrich.user-agent=true"));
	}

	@Test
	void anInvalidBotPatternIsNamed() {
		this.runner.withPropertyValues("pipeline.enrich.bot-patterns=ok,bad(")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("pipeline.enrich.bot-patterns: 'bad('"));
	}

}
