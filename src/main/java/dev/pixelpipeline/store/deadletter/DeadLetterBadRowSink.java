package dev.pixelpipeline.store.deadletter;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.google.cloud.spring.pubsub.core.publisher.PubSubPublisherOperations;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import dev.pixelpipeline.store.BadRow;
import dev.pixelpipeline.store.BadRowSink;
import dev.pixelpipeline.store.StoreHealth;

/**
 * Publishes each bad row to a Pub/Sub dead-letter topic: the original message data as
 * payload, with attributes {@code reason}, {@code original_message_id} and
 * {@code subscription}. The returned future completes only once Pub/Sub has accepted the
 * publish, so the push that carried the bad row is acked only then; a failed or slow
 * publish fails the future and the push is answered 503 and redelivered.
 */
public final class DeadLetterBadRowSink implements BadRowSink {

	/** Attribute with the bad row's reason code. */
	static final String REASON_ATTRIBUTE = "reason";

	/** Attribute with the message id of the message that became the bad row. */
	static final String ORIGINAL_MESSAGE_ID_ATTRIBUTE = "original_message_id";

	/** Attribute with the subscription that delivered the message. */
	static final String SUBSCRIPTION_ATTRIBUTE = "subscription";

	/** Attribute with the short explanation of the bad row. */
	static final String DETAIL_ATTRIBUTE = "detail";

	private static final int MAX_DETAIL = 1024;

	private final PubSubPublisherOperations publisher;

	private final String topic;

	private final Duration timeout;

	/**
	 * Creates the sink.
	 * @param publisher the Pub/Sub publisher
	 * @param topic the dead-letter topic, short name or full path
	 * @param timeout how long a publish may take before the bad row counts as not
	 * recorded
	 */
	public DeadLetterBadRowSink(PubSubPublisherOperations publisher, String topic, Duration timeout) {
		this.publisher = publisher;
		this.topic = topic;
		this.timeout = timeout;
	}

	@Override
	public CompletableFuture<Void> record(BadRow badRow) {
		Map<String, String> attributes = new HashMap<>(8);
		attributes.put(REASON_ATTRIBUTE, badRow.reason());
		attributes.put(ORIGINAL_MESSAGE_ID_ATTRIBUTE, (badRow.messageId() != null) ? badRow.messageId() : "");
		attributes.put(SUBSCRIPTION_ATTRIBUTE, (badRow.subscription() != null) ? badRow.subscription() : "");
		if (badRow.detail() != null) {
			String detail = badRow.detail();
			attributes.put(DETAIL_ATTRIBUTE, (detail.length() > MAX_DETAIL) ? detail.substring(0, MAX_DETAIL) : detail);
		}
		PubsubMessage message = PubsubMessage.newBuilder()
			.setData(ByteString.copyFrom(badRow.originalData()))
			.putAllAttributes(attributes)
			.build();
		CompletableFuture<String> published;
		try {
			published = this.publisher.publish(this.topic, message);
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(failure(badRow, ex));
		}
		return published.orTimeout(this.timeout.toMillis(), TimeUnit.MILLISECONDS).handle((id, ex) -> {
			if (ex != null) {
				Throwable cause = (ex instanceof CompletionException && ex.getCause() != null) ? ex.getCause() : ex;
				throw new CompletionException(failure(badRow, cause));
			}
			return null;
		});
	}

	private IllegalStateException failure(BadRow badRow, Throwable cause) {
		String why = (cause instanceof TimeoutException) ? "no answer within " + this.timeout : cause.toString();
		return new IllegalStateException("Publishing bad row of message " + badRow.messageId()
				+ " to dead-letter topic " + this.topic + " failed: " + why, cause);
	}

	@Override
	public String name() {
		return "dead-letter:" + this.topic;
	}

	/**
	 * Up: a publish that fails answers its push 503, so the topic is not probed here
	 * (readiness must not turn a Pub/Sub hiccup into lost capacity).
	 */
	@Override
	public StoreHealth health() {
		return StoreHealth.up("Bad rows go to dead-letter topic " + this.topic, Map.of("topic", this.topic));
	}

}
