package dev.pixelpipeline.config;

import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Matches when the embedded DuckDB store has work to do: it stores the good rows
 * ({@code pipeline.sink=embedded}, the default) or the bad rows (no
 * {@code pipeline.dead-letter.topic}). In production, with BigQuery and a dead-letter
 * topic, no database file is opened, so the container can run with a read-only root
 * filesystem.
 */
class EmbeddedStoreCondition implements Condition {

	@Override
	public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
		String sink = context.getEnvironment().getProperty("pipeline.sink", "embedded");
		String deadLetterTopic = context.getEnvironment().getProperty("pipeline.dead-letter.topic");
		return "embedded".equalsIgnoreCase(sink.strip()) || !StringUtils.hasText(deadLetterTopic);
	}

}
