package dev.pixelpipeline.config;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.spring.pubsub.support.PubSubSubscriptionUtils;
import com.google.cloud.spring.pubsub.support.SubscriberFactory;
import dev.pixelpipeline.ingest.MessageProcessor;
import dev.pixelpipeline.ingest.PipelineMetrics;
import dev.pixelpipeline.ingest.PullSubscriber;
import dev.pixelpipeline.ingest.PushServlet;
import dev.pixelpipeline.ingest.PushSettings;
import dev.pixelpipeline.store.SinkShutdown;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * How messages reach the {@link MessageProcessor}, chosen by
 * {@code pipeline.ingest.mode}: the push servlet ({@code push}, the default) or the
 * streaming-pull subscriber ({@code pull}), with what Spring Cloud GCP's Pub/Sub client
 * needs for the emulator.
 */
@Configuration(proxyBeanMethods = false)
class IngestConfiguration {

	@Bean
	PushSettings pushSettings(PipelineProperties properties) {
		return new PushSettings(properties.push().deadline(), (int) properties.push().maxBody().toBytes());
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
	 * Wires the Pub/Sub client of Spring Cloud GCP into the pipeline: the emulator needs
	 * no credentials (for the dead-letter publisher too), and pull mode gets its
	 * streaming-pull subscriber.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(name = "spring.cloud.gcp.pubsub.enabled", havingValue = "true")
	static class PubSubClient {

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
			// Stop pulling before the sinks flush, so that nothing new arrives while they
			// do.
			return new PullSubscriber(processor, settings, channelProvider, credentials.getObject(),
					SinkShutdown.PHASE + 256, properties.shutdown().flushTimeout().plus(properties.push().deadline()),
					() -> exit(context));
		}

		/**
		 * Drained (pipeline.ingest.exit-when-idle): close the context as SIGTERM would
		 * (stop pulling, flush the sinks), then end the process with the context's exit
		 * code, 0 unless something in it says otherwise. A Cloud Run job's task then
		 * succeeds.
		 */
		private static void exit(ConfigurableApplicationContext context) {
			System.exit(SpringApplication.exit(context));
		}

	}

}
