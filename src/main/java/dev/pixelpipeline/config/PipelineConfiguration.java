package dev.pixelpipeline.config;

import java.time.Clock;

import dev.pixelpipeline.ingest.MessageProcessor;
import dev.pixelpipeline.ingest.PipelineMetrics;
import dev.pixelpipeline.ingest.PushSettings;
import dev.pixelpipeline.parse.HitParser;
import dev.pixelpipeline.parse.ParserSettings;
import dev.pixelpipeline.store.BadRowSink;
import dev.pixelpipeline.store.BatchingSink;
import dev.pixelpipeline.store.EmbeddedBadRowSink;
import dev.pixelpipeline.store.EmbeddedBatchWriter;
import dev.pixelpipeline.store.EmbeddedDatabase;
import dev.pixelpipeline.store.EventSink;
import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.store.TableNamer;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the pipeline: parser, table rules, the sink chosen by {@code pipeline.sink}, bad rows, and the processor.
 */
@Configuration(proxyBeanMethods = false)
class PipelineConfiguration {

	@Bean
	@ConditionalOnMissingBean
	Clock clock() {
		return Clock.systemUTC();
	}

	@Bean
	RowSchema rowSchema(PipelineProperties properties) {
		return RowSchema.of(properties.attributes());
	}

	@Bean
	TableNamer tableNamer(PipelineProperties properties) {
		return new TableNamer(properties.table().template(), properties.table().suffix(), properties.attributes());
	}

	@Bean
	HitParser hitParser(PipelineProperties properties) {
		return new HitParser(ParserSettings.of(properties.pixelPath(), properties.attributes(),
				properties.privacy().anonymizeIp(), properties.privacy().dropUserAgent()));
	}

	@Bean
	PushSettings pushSettings(PipelineProperties properties) {
		return new PushSettings(properties.push().deadline(), (int) properties.push().maxBody().toBytes());
	}

	@Bean
	PipelineMetrics pipelineMetrics(MeterRegistry registry) {
		return new PipelineMetrics(registry);
	}

	@Bean(destroyMethod = "close")
	EmbeddedDatabase embeddedDatabase(PipelineProperties properties, RowSchema schema) {
		return new EmbeddedDatabase(properties.embedded().path(), schema, properties.table().template());
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnProperty(name = "pipeline.sink", havingValue = "embedded", matchIfMissing = true)
	BatchingSink embeddedSink(EmbeddedDatabase database, PipelineProperties properties, PipelineMetrics metrics) {
		return new BatchingSink(new EmbeddedBatchWriter(database),
				properties.embedded().batch().settings(PipelineProperties.Embedded.BATCH_DEFAULTS), metrics);
	}

	@Bean
	@ConditionalOnMissingBean
	BadRowSink embeddedBadRowSink(EmbeddedDatabase database) {
		return new EmbeddedBadRowSink(database);
	}

	@Bean
	MessageProcessor messageProcessor(HitParser parser, TableNamer tableNamer, RowSchema schema, EventSink sink,
			BadRowSink badRows, PipelineMetrics metrics, Clock clock) {
		return new MessageProcessor(parser, tableNamer, schema, sink, badRows, metrics, clock);
	}

}
