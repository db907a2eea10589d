package dev.pixelpipeline.config;

import java.time.Clock;

import com.google.cloud.spring.pubsub.core.publisher.PubSubPublisherTemplate;

import dev.pixelpipeline.ingest.MessageProcessor;
import dev.pixelpipeline.ingest.PipelineMetrics;
import dev.pixelpipeline.ingest.PushServlet;
import dev.pixelpipeline.ingest.PushSettings;
import dev.pixelpipeline.parse.HitParser;
import dev.pixelpipeline.parse.ParserSettings;
import dev.pixelpipeline.store.BadRowSink;
import dev.pixelpipeline.store.BatchingSink;
import dev.pixelpipeline.store.DeadLetterBadRowSink;
import dev.pixelpipeline.store.EmbeddedBadRowSink;
import dev.pixelpipeline.store.EmbeddedBatchWriter;
import dev.pixelpipeline.store.EmbeddedDatabase;
import dev.pixelpipeline.store.EventRowFactory;
import dev.pixelpipeline.store.EventSink;
import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.store.TableNamer;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Wires the pipeline: parser, table rules, the sink chosen by {@code pipeline.sink}, bad
 * rows, and the processor.
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
	@Conditional(EmbeddedStoreCondition.class)
	EmbeddedDatabase embeddedDatabase(PipelineProperties properties, RowSchema schema) {
		return new EmbeddedDatabase(properties.embedded().path(), schema, properties.table().template());
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnProperty(name = "pipeline.sink", havingValue = "embedded", matchIfMissing = true)
	BatchingSink embeddedSink(EmbeddedDatabase database, PipelineProperties properties, PipelineMetrics metrics) {
		return new BatchingSink(new EmbeddedBatchWriter(database),
				properties.embedded().batch().settings(PipelineProperties.Embedded.BATCH_DEFAULTS), metrics);
	}

	/**
	 * Bad rows go to the dead-letter topic when {@code pipeline.dead-letter.topic} is
	 * set, else to the embedded store's {@code _bad_rows} table, whichever sink stores
	 * good rows.
	 */
	@Bean
	@ConditionalOnMissingBean
	BadRowSink badRowSink(ObjectProvider<EmbeddedDatabase> database, PipelineProperties properties,
			ObjectProvider<PubSubPublisherTemplate> publisher) {
		PipelineProperties.DeadLetter deadLetter = properties.deadLetter();
		if (!deadLetter.enabled()) {
			return new EmbeddedBadRowSink(database.getObject());
		}
		PubSubPublisherTemplate operations = publisher.getIfAvailable();
		if (operations == null) {
			throw new IllegalStateException("pipeline.dead-letter.topic is set to '" + deadLetter.topic()
					+ "' but the Pub/Sub client is off: set spring.cloud.gcp.pubsub.enabled=true (and a project id,"
					+ " or spring.cloud.gcp.pubsub.emulator-host for the emulator)");
		}
		// PipelineProperties checked that the timeout is shorter than the push deadline.
		return new DeadLetterBadRowSink(operations, deadLetter.topic(), deadLetter.publishTimeout());
	}

	/**
	 * Pull mode needs the Pub/Sub client; say so instead of starting a service that pulls
	 * nothing.
	 */
	@Bean
	@ConditionalOnProperty(name = "pipeline.ingest.mode", havingValue = "pull")
	InitializingBean pullModeNeedsThePubSubClient(Environment environment) {
		return () -> {
			if (!environment.getProperty("spring.cloud.gcp.pubsub.enabled", Boolean.class, false)) {
				throw new IllegalStateException("pipeline.ingest.mode=pull needs the Pub/Sub client: set"
						+ " spring.cloud.gcp.pubsub.enabled=true (the gcp profile does), with a project id or"
						+ " spring.cloud.gcp.pubsub.emulator-host");
			}
		};
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

	@Bean
	MessageProcessor messageProcessor(HitParser parser, TableNamer tableNamer, RowSchema schema, EventSink sink,
			BadRowSink badRows, PipelineMetrics metrics, Clock clock) {
		return new MessageProcessor(parser, new EventRowFactory(tableNamer, schema), sink, badRows, metrics, clock);
	}

	/**
	 * The push endpoint as a servlet of its own (see {@link PushServlet} for why not a
	 * controller); an exact mapping, so it takes {@code /pubsub/push} from the
	 * {@code DispatcherServlet}. Push mode only: in pull mode nothing is pushed, and an
	 * endpoint that stores rows must not exist where push authentication is off, so
	 * {@code /pubsub/push} answers 404 there.
	 */
	@Bean
	@ConditionalOnProperty(name = "pipeline.ingest.mode", havingValue = "push", matchIfMissing = true)
	ServletRegistrationBean<PushServlet> pushServlet(MessageProcessor processor, PipelineMetrics metrics,
			PushSettings settings) {
		ServletRegistrationBean<PushServlet> registration = new ServletRegistrationBean<>(
				new PushServlet(processor, metrics, settings), PushServlet.PATH);
		registration.setName("pushServlet");
		registration.setAsyncSupported(true);
		registration.setLoadOnStartup(1);
		return registration;
	}

}
