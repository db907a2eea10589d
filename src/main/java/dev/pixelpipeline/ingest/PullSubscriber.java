package dev.pixelpipeline.ingest;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.google.api.gax.batching.FlowControlSettings;
import com.google.api.gax.batching.FlowController;
import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.pubsub.v1.AckReplyConsumer;
import com.google.cloud.pubsub.v1.Subscriber;
import com.google.protobuf.Timestamp;
import com.google.pubsub.v1.ProjectSubscriptionName;
import com.google.pubsub.v1.PubsubMessage;
import dev.pixelpipeline.parse.PubSubMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Pull mode: a streaming-pull subscriber that feeds the same {@link MessageProcessor} as
 * the push endpoint. A message is acked only once its row is stored, it is ignored on
 * purpose, or its bad row is recorded; it is nacked (redelivered at once) on a transient
 * failure or overload. Flow control bounds the messages and bytes handed out and not yet
 * answered, which is the pull counterpart of the push endpoint's 429.
 */
public final class PullSubscriber implements SmartLifecycle {

	/**
	 * The pull settings.
	 *
	 * @param subscription the full subscription name
	 * @param maxOutstandingMessages at most this many messages handed out and not yet
	 * acked or nacked
	 * @param maxOutstandingBytes at most this many bytes of such messages
	 * @param parallelPullCount streaming-pull connections
	 * @param budget how long one message may take to process before it is nacked
	 */
	public record Settings(ProjectSubscriptionName subscription, long maxOutstandingMessages, long maxOutstandingBytes,
			int parallelPullCount, Duration budget) {
	}

	private static final Logger logger = LoggerFactory.getLogger(PullSubscriber.class);

	private final MessageProcessor processor;

	private final Settings settings;

	private final TransportChannelProvider channelProvider;

	private final CredentialsProvider credentialsProvider;

	private final int phase;

	private final Duration stopTimeout;

	private volatile Subscriber subscriber;

	/**
	 * Creates the subscriber; it starts pulling when the application context starts.
	 * @param phase the lifecycle phase: stop pulling before the sinks flush
	 * @param stopTimeout how long a stop waits for messages being processed
	 */
	public PullSubscriber(MessageProcessor processor, Settings settings, TransportChannelProvider channelProvider,
			CredentialsProvider credentialsProvider, int phase, Duration stopTimeout) {
		this.processor = processor;
		this.settings = settings;
		this.channelProvider = channelProvider;
		this.credentialsProvider = credentialsProvider;
		this.phase = phase;
		this.stopTimeout = stopTimeout;
	}

	@Override
	public void start() {
		FlowControlSettings flowControl = FlowControlSettings.newBuilder()
			.setMaxOutstandingElementCount(this.settings.maxOutstandingMessages())
			.setMaxOutstandingRequestBytes(this.settings.maxOutstandingBytes())
			.setLimitExceededBehavior(FlowController.LimitExceededBehavior.Block)
			.build();
		Subscriber created = Subscriber.newBuilder(this.settings.subscription(), this::receive)
			.setChannelProvider(this.channelProvider)
			.setCredentialsProvider(this.credentialsProvider)
			.setFlowControlSettings(flowControl)
			.setParallelPullCount(this.settings.parallelPullCount())
			.build();
		created.startAsync().awaitRunning();
		this.subscriber = created;
		logger.info("Pulling from {} (at most {} messages and {} bytes outstanding)", this.settings.subscription(),
				this.settings.maxOutstandingMessages(), this.settings.maxOutstandingBytes());
	}

	private void receive(PubsubMessage message, AckReplyConsumer reply) {
		PubSubMessage pulled = new PubSubMessage(message.getMessageId(),
				message.hasPublishTime() ? rfc3339(message.getPublishTime()) : null, message.getAttributesMap(),
				message.getData().toByteArray(), this.settings.subscription().toString());
		Delivery delivery = new Delivery(pulled, DeliveryKind.PULL, null, Subscriber.getDeliveryAttempt(message));
		this.processor.process(delivery, this.settings.budget()).whenComplete((outcome, ex) -> {
			if (ex == null && outcome.isAck()) {
				reply.ack();
			}
			else {
				reply.nack();
			}
		});
	}

	private static String rfc3339(Timestamp timestamp) {
		return DateTimeFormatter.ISO_INSTANT
			.format(Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos()));
	}

	@Override
	public void stop() {
		Subscriber running = this.subscriber;
		this.subscriber = null;
		if (running == null) {
			return;
		}
		try {
			running.stopAsync().awaitTerminated(this.stopTimeout.toMillis(), TimeUnit.MILLISECONDS);
			logger.info("Stopped pulling from {}", this.settings.subscription());
		}
		catch (TimeoutException ex) {
			logger.warn("Subscriber of {} did not stop within {}; unanswered messages will be redelivered",
					this.settings.subscription(), this.stopTimeout);
		}
		catch (IllegalStateException ex) {
			logger.warn("Subscriber of {} failed before stopping: {}", this.settings.subscription(), ex.getMessage());
		}
	}

	@Override
	public boolean isRunning() {
		return this.subscriber != null;
	}

	@Override
	public int getPhase() {
		return this.phase;
	}

}
