package dev.pixelpipeline.config;

import java.time.Duration;

import dev.pixelpipeline.ingest.PipelineMetrics;
import dev.pixelpipeline.store.BatchingSink;
import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.store.embedded.EmbeddedDatabase;
import dev.pixelpipeline.store.embedded.EmbeddedReads;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * The embedded DuckDB store, opened whenever it has work to do (see
 * {@link EmbeddedStoreCondition}): the database, its reads for the read API, the good-row
 * sink when {@code pipeline.sink=embedded}, and the readiness component
 * {@code embeddedStore}.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(EmbeddedStoreCondition.class)
class EmbeddedStoreConfiguration {

	/**
	 * How long readiness waits for the database: a local file answers {@code SELECT 1} in
	 * microseconds, so the bound only keeps a wedged store from hanging the probe.
	 */
	static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(3);

	@Bean(destroyMethod = "close")
	EmbeddedDatabase embeddedDatabase(PipelineProperties properties, RowSchema schema) {
		return new EmbeddedDatabase(properties.embedded().path(), schema, properties.table().template());
	}

	@Bean
	EmbeddedReads embeddedReads(EmbeddedDatabase embeddedDatabase) {
		return new EmbeddedReads(embeddedDatabase);
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnProperty(name = "pipeline.sink", havingValue = "embedded", matchIfMissing = true)
	BatchingSink embeddedSink(EmbeddedDatabase embeddedDatabase, PipelineProperties properties,
			PipelineMetrics metrics) {
		return new BatchingSink(embeddedDatabase.writer(),
				properties.embedded().batch().settings(PipelineProperties.Embedded.BATCH_DEFAULTS), metrics);
	}

	/**
	 * Contributes {@code embeddedStore} to health; application.yml puts it in the
	 * readiness group only. The store serves good rows, bad rows or both, so its own
	 * check speaks for either port.
	 */
	@Bean(destroyMethod = "close")
	StoreHealthIndicator embeddedStoreHealthIndicator(EmbeddedDatabase embeddedDatabase) {
		return new StoreHealthIndicator("Embedded DuckDB store", embeddedDatabase::health, HEALTH_TIMEOUT);
	}

}
