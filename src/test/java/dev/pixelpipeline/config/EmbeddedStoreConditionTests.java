package dev.pixelpipeline.config;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedStoreConditionTests {

	@Configuration(proxyBeanMethods = false)
	static class Config {

		@Bean
		@Conditional(EmbeddedStoreCondition.class)
		String embeddedStore() {
			return "opened";
		}

	}

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Config.class);

	@Test
	void opensTheStoreLocally() {
		this.runner.run((context) -> assertThat(context).hasBean("embeddedStore"));
	}

	@Test
	void opensTheStoreForBadRowsWhenBigQueryHasNoDeadLetterTopic() {
		this.runner.withPropertyValues("pipeline.sink=bigquery")
			.run((context) -> assertThat(context).hasBean("embeddedStore"));
	}

	@Test
	void opensNoFileInProductionWithBigQueryAndADeadLetterTopic() {
		this.runner.withPropertyValues("pipeline.sink=bigquery", "pipeline.dead-letter.topic=pixel-dead-letter")
			.run((context) -> assertThat(context).doesNotHaveBean("embeddedStore"));
	}

}
