package dev.pixelpipeline.security;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which security filter chain applies: the push chain (tokens required) only with
 * {@code pipeline.push.auth.enabled} in push mode; the open chain otherwise, so that in
 * pull mode {@code /pubsub/push} answers 404 with or without a token and no push settings
 * are needed. Exactly one of the two, always.
 */
class PushSecurityConditionsTests {

	@Configuration(proxyBeanMethods = false)
	static class Chains {

		@Bean
		@Conditional(PushSecurityConfiguration.PushAuthentication.class)
		String pushChain() {
			return "push";
		}

		@Bean
		@Conditional(PushSecurityConfiguration.NoPushAuthentication.class)
		String openChain() {
			return "open";
		}

	}

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Chains.class);

	@Test
	void localDefaultsAreOpen() {
		this.runner.run((context) -> assertThat(context).hasBean("openChain").doesNotHaveBean("pushChain"));
	}

	@Test
	void authenticatedPushModeRequiresTokens() {
		this.runner.withPropertyValues("pipeline.push.auth.enabled=true")
			.run((context) -> assertThat(context).hasBean("pushChain").doesNotHaveBean("openChain"));
		this.runner.withPropertyValues("pipeline.push.auth.enabled=true", "pipeline.ingest.mode=push")
			.run((context) -> assertThat(context).hasBean("pushChain").doesNotHaveBean("openChain"));
	}

	@Test
	void pullModeHasNoPushChainEvenWithAuthenticationOn() {
		this.runner.withPropertyValues("pipeline.push.auth.enabled=true", "pipeline.ingest.mode=pull")
			.run((context) -> assertThat(context).hasBean("openChain").doesNotHaveBean("pushChain"));
	}

	@Test
	void pushModeWithAuthenticationOffIsOpen() {
		this.runner.withPropertyValues("pipeline.push.auth.enabled=false", "pipeline.ingest.mode=push")
			.run((context) -> assertThat(context).hasBean("openChain").doesNotHaveBean("pushChain"));
	}

}
