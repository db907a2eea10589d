package dev.pixelpipeline.config;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.spring.pubsub.support.PubSubSubscriptionUtils;
import com.google.cloud.spring.pubsub.support.SubscriberFactory;
import dev.pixelpipeline.ingest.MessageProcessor;
import dev.pixelpipeline.ingest.PullSubscriber;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the Pub/Sub client of Spring Cloud GCP into the pipeline: the emulator needs no
 * credentials, and pull mode gets its streaming-pull subscriber.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "spring.cloud.gcp.pubsub.enabled", havingValue = "true")
class IngestConfiguration {

	/**
	 * The emulator takes no credentials: never look for Google's application default
	 * credentials then.
	 */
	@Bean
	@ConditionalOnProperty(name = "spring.cloud.gcp.pubsub.emulator-host")
	CredentialsProvider googleCredentials() {
		return NoCredentialsProvider.create();
	}

	@Bean
	@ConditionalOnProperty(name = "pipeline.ingest.mode", havingValue = "pull")
	PullSubscriber pullSubscriber(MessageProcessor processor, PipelineProperties properties,
			SubscriberFactory subscriberFactory, ConfigurableApplicationContext context,
			@Qualifier("subscriberTransportChannelProvider") TransportChannelProvider channelProvider,
			ObjectProvider<CredentialsProvider> credentials) {
		PipelineProperties.Ingest ingest = properties.ingest();
		PullSubscriber.Settings settings = new PullSubscriber.Settings(
				PubSubSubscriptionUtils.toProjectSubscriptionName(ingest.subscription(),
						subscriberFactory.getProjectId()),
				ingest.maxOutstandingMessages(), ingest.maxOutstandingBytes().toBytes(), ingest.parallelPullCount(),
				properties.push().deadline(), ingest.exitWhenIdle());
		// Stop pulling before the sinks flush, so that nothing new arrives while they do.
		return new PullSubscriber(processor, settings, channelProvider, credentials.getObject(),
				SinkShutdown.PHASE + 256, properties.shutdown().flushTimeout().plus(properties.push().deadline()),
				() -> exit(context));
	}

	/**
	 * Drained (pipeline.ingest.exit-when-idle): close the context as SIGTERM would (stop
	 * pulling, flush the sinks), then end the process with the context's exit code, 0
	 * unless something in it says otherwise. A Cloud Run job's task then succeeds.
	 */
	private static void exit(ConfigurableApplicationContext context) {
		System.exit(SpringApplication.exit(context));
	}

}
