package dev.pixelpipeline.ingest;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
 *
 * <p>
 * With {@link Settings#exitWhenIdle()} set, it also tells when its subscription is
 * drained: no message arrived and none was being processed for that long. A replay of the
 * undeliverable subscription uses this to end by itself.
 *
 * <p>
 * Why the client library's {@link Subscriber} and not Spring Cloud GCP's
 * {@code PubSubSubscriberTemplate} (evaluated for issue #13): the template would keep the
 * ack-after-store contract ({@code ack()}/{@code nack()} may be called once the
 * processor's future completes), the idle watch and the metrics (those live in
 * {@link MessageProcessor}). But its subscribers run on the starter's shared
 * {@code ThreadPoolTaskScheduler} ({@code globalPubSubSubscriberThreadPoolScheduler}),
 * and since Spring Framework 6.1 such a scheduler shuts down early, on the
 * {@code ContextClosedEvent}, before any {@link SmartLifecycle} stops. Spring Cloud GCP
 * 8.0.2 offers {@code executor-accept-tasks-after-context-close} for the publisher's
 * scheduler only, not the subscriber's. On SIGTERM the subscriber would so lose its
 * executor before this bean's phase stops it: the client's hand-over of a message that
 * arrives then is refused (it is neither processed nor nacked, so it comes back only when
 * its lease runs out), and the ordered stop (stop pulling, let messages in progress
 * finish and their acks go out, then flush the sinks) would rest on a pool that is
 * already shut down. Its flow-control properties
 * ({@code spring.cloud.gcp.pubsub.subscriber.flow-control.*}) would also rename the three
 * documented {@code pipeline.ingest.*} pull settings. So this class builds its
 * {@link Subscriber} itself, with the starter's channel and credentials providers, and
 * owns its executor and its stop.
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
	 * @param exitWhenIdle once no message has arrived and none is being processed for
	 * this long, the subscription counts as drained; {@code null} to pull for ever
	 */
	public record Settings(ProjectSubscriptionName subscription, long maxOutstandingMessages, long maxOutstandingBytes,
			int parallelPullCount, Duration budget, Duration exitWhenIdle) {
	}

	private static final Logger logger = LoggerFactory.getLogger(PullSubscriber.class);

	private final MessageProcessor processor;

	private final Settings settings;

	private final TransportChannelProvider channelProvider;

	private final CredentialsProvider credentialsProvider;

	private final int phase;

	private final Duration stopTimeout;

	private final Runnable whenDrained;

	private final AtomicInteger inFlight = new AtomicInteger();

	private final AtomicLong lastActivity = new AtomicLong(System.nanoTime());

	private final AtomicLong handled = new AtomicLong();

	private volatile Subscriber subscriber;

	private volatile ScheduledExecutorService idleWatch;

	/**
	 * Creates the subscriber; it starts pulling when the application context starts.
	 * @param phase the lifecycle phase: stop pulling before the sinks flush
	 * @param stopTimeout how long a stop waits for messages being processed
	 * @param whenDrained run once, on its own thread, when the subscription is drained
	 * (only with {@link Settings#exitWhenIdle()} set)
	 */
	public PullSubscriber(MessageProcessor processor, Settings settings, TransportChannelProvider channelProvider,
			CredentialsProvider credentialsProvider, int phase, Duration stopTimeout, Runnable whenDrained) {
		this.processor = processor;
		this.settings = settings;
		this.channelProvider = channelProvider;
		this.credentialsProvider = credentialsProvider;
		this.phase = phase;
		this.stopTimeout = stopTimeout;
		this.whenDrained = whenDrained;
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
		this.lastActivity.set(System.nanoTime());
		created.startAsync().awaitRunning();
		this.subscriber = created;
		logger.info("Pulling from {} (at most {} messages and {} bytes outstanding)", this.settings.subscription(),
				this.settings.maxOutstandingMessages(), this.settings.maxOutstandingBytes());
		if (this.settings.exitWhenIdle() != null) {
			watchForDrained(this.settings.exitWhenIdle());
		}
	}

	private void watchForDrained(Duration idle) {
		ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "pull-idle-watch");
			thread.setDaemon(true);
			return thread;
		});
		long period = Math.max(50, Math.min(1000, idle.toMillis() / 4));
		watch.scheduleWithFixedDelay(() -> {
			long quiet = System.nanoTime() - this.lastActivity.get();
			if (this.inFlight.get() == 0 && quiet >= idle.toNanos()) {
				watch.shutdown();
				logger.info("No message from {} for {} and none in progress: drained after {} messages; shutting down",
						this.settings.subscription(), idle, this.handled.get());
				// Its own thread: shutting down stops this subscriber, which stops the
				// watch.
				Thread exit = new Thread(this.whenDrained, "pull-drained-exit");
				exit.start();
			}
		}, period, period, TimeUnit.MILLISECONDS);
		this.idleWatch = watch;
		logger.info("Exiting once {} has had no message for {}", this.settings.subscription(), idle);
	}

	private void receive(PubsubMessage message, AckReplyConsumer reply) {
		this.inFlight.incrementAndGet();
		this.lastActivity.set(System.nanoTime());
		PubSubMessage pulled = new PubSubMessage(message.getMessageId(),
				message.hasPublishTime() ? rfc3339(message.getPublishTime()) : null, message.getAttributesMap(),
				message.getData().toByteArray(), this.settings.subscription().toString());
		Delivery delivery = new Delivery(pulled, DeliveryKind.PULL, null, Subscriber.getDeliveryAttempt(message));
		CompletableFuture<Outcome> outcome;
		try {
			// Bounded as a push is: a store that ignores its deadline must not hold the
			// message (and its flow-control slot, and the idle watch) for the client's
			// whole lease extension; nacked, it comes back.
			outcome = this.processor.process(delivery, this.settings.budget())
				.completeOnTimeout(Outcome.retry("deadline"), this.settings.budget().toMillis() + 250,
						TimeUnit.MILLISECONDS);
		}
		catch (RuntimeException ex) {
			outcome = CompletableFuture.failedFuture(ex);
		}
		outcome.whenComplete((result, ex) -> {
			if (ex == null && result.isAck()) {
				reply.ack();
			}
			else {
				reply.nack();
			}
			this.handled.incrementAndGet();
			this.lastActivity.set(System.nanoTime());
			this.inFlight.decrementAndGet();
		});
	}

	private static String rfc3339(Timestamp timestamp) {
		return DateTimeFormatter.ISO_INSTANT
			.format(Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos()));
	}

	@Override
	public void stop() {
		ScheduledExecutorService watch = this.idleWatch;
		this.idleWatch = null;
		if (watch != null) {
			watch.shutdownNow();
		}
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
