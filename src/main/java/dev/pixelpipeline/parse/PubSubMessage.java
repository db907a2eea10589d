package dev.pixelpipeline.parse;

import java.util.Map;

/**
 * One Pub/Sub message as delivered to the pipeline, whatever the delivery (wrapped push,
 * unwrapped push, pull).
 *
 * @param messageId the Pub/Sub message id; {@code null} when the delivery carried none
 * @param publishTime the RFC 3339 publish time; {@code null} when unknown
 * @param attributes the message attributes, never {@code null}
 * @param data the message payload (the LogEntry JSON), never {@code null}
 * @param subscription the subscription that delivered it; {@code null} when unknown
 */
public record PubSubMessage(String messageId, String publishTime, Map<String, String> attributes, byte[] data,
		String subscription) {

	/** The attribute a Cloud Logging sink sets to the entry's timestamp. */
	public static final String LOGGING_TIMESTAMP_ATTRIBUTE = "logging.googleapis.com/timestamp";

	public PubSubMessage {
		attributes = (attributes != null) ? Map.copyOf(attributes) : Map.of();
		data = (data != null) ? data : new byte[0];
	}

}
