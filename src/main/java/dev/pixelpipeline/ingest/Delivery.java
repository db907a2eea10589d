package dev.pixelpipeline.ingest;

import dev.pixelpipeline.parse.PubSubMessage;

/**
 * A decoded Pub/Sub delivery, ready for the processor.
 *
 * @param message the message
 * @param kind how it was delivered
 * @param poisonReason set when the delivery itself shows the message is poison (data that
 * is not base64), else {@code null}
 * @param deliveryAttempt Pub/Sub's delivery attempt when it reports one (dead-letter
 * policies), else {@code null}
 */
public record Delivery(PubSubMessage message, DeliveryKind kind, String poisonReason, Integer deliveryAttempt) {
}
