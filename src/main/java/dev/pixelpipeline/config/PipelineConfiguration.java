package dev.pixelpipeline.config;

import java.time.Clock;

import dev.pixelpipeline.ingest.MessageProcessor;
import dev.pixelpipeline.ingest.PipelineMetrics;
import dev.pixelpipeline.parse.HitParser;
import dev.pixelpipeline.parse.ParserSettings;
import dev.pixelpipeline.parse.UserAgentClassifier;
import dev.pixelpipeline.store.BadRowSink;
import dev.pixelpipeline.store.BatchingSink;
import dev.pixelpipeline.store.EventRowFactory;
import dev.pixelpipeline.store.EventSink;
import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.store.SinkShutdown;
import dev.pixelpipeline.store.TableNamer;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The core pipeline, whatever the stores and the ingest mode: the parser, the row schema
 * and table rules, the processor that joins them to the sinks, the pipeline's meters, the
 * clock, and the flush of the batching sinks on shutdown. The sinks come from
 * {@link EmbeddedStoreConfiguration}, {@link BigQueryConfiguration} and
 * {@link BadRowsConfiguration}; the ways in from {@link IngestConfiguration}.
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
	HitParser hitParser(PipelineProperties properties, ObjectProvider<UserAgentClassifier> classifier) {
		return new HitParser(ParserSettings.of(properties.pixelPath(), properties.attributes(),
				properties.privacy().anonymizeIp(), properties.privacy().dropUserAgent()), classifier.getIfAvailable(),
				properties.enrich().bots());
	}

	@Bean
	PipelineMetrics pipelineMetrics(MeterRegistry registry) {
		return new PipelineMetrics(registry);
	}

	@Bean
	MessageProcessor messageProcessor(HitParser parser, TableNamer tableNamer, RowSchema schema, EventSink sink,
			BadRowSink badRows, PipelineMetrics metrics, Clock clock) {
		return new MessageProcessor(parser, new EventRowFactory(tableNamer, schema), sink, badRows, metrics, clock);
	}

	/**
	 * Flushes the batching sinks on shutdown, after the web server stopped taking pushes
	 * and waited for those in flight, but before it closes their connections: rows that
	 * cannot be written in time are answered 503.
	 */
	@Bean
	SinkShutdown sinkShutdown(ObjectProvider<BatchingSink> sinks, PipelineProperties properties) {
		return new SinkShutdown(sinks, properties.shutdown().flushTimeout());
	}

}
