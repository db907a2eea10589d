package dev.pixelpipeline.config;

import com.google.cloud.spring.pubsub.core.publisher.PubSubPublisherTemplate;
import dev.pixelpipeline.store.BadRowSink;
import dev.pixelpipeline.store.deadletter.DeadLetterBadRowSink;
import dev.pixelpipeline.store.embedded.EmbeddedDatabase;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Where bad rows go: the dead-letter topic when {@code pipeline.dead-letter.topic} is
 * set, else the embedded store's {@code _bad_rows} table, whichever sink stores good
 * rows.
 */
@Configuration(proxyBeanMethods = false)
class BadRowsConfiguration {

	@Bean
	@ConditionalOnMissingBean
	BadRowSink badRowSink(ObjectProvider<EmbeddedDatabase> database, PipelineProperties properties,
			ObjectProvider<PubSubPublisherTemplate> publisher) {
		PipelineProperties.DeadLetter deadLetter = properties.deadLetter();
		if (!deadLetter.enabled()) {
			return database.getObject().badRowSink();
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

}
