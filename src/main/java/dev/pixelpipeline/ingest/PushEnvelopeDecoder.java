package dev.pixelpipeline.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import dev.pixelpipeline.parse.Json;
import dev.pixelpipeline.parse.PubSubMessage;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;

/**
 * Decodes a push request body into a {@link Delivery}: the JSON wrapper by default, or an
 * unwrapped ({@code noWrapper}) body with its metadata in headers. Pure: no Spring, no
 * servlet types.
 */
public final class PushEnvelopeDecoder {

	/** Header with the message id of an unwrapped push with {@code writeMetadata}. */
	public static final String MESSAGE_ID_HEADER = "x-goog-pubsub-message-id";

	/** Header with the publish time of an unwrapped push with {@code writeMetadata}. */
	public static final String PUBLISH_TIME_HEADER = "x-goog-pubsub-publish-time";

	/** Header with the subscription of an unwrapped push with {@code writeMetadata}. */
	public static final String SUBSCRIPTION_HEADER = "x-goog-pubsub-subscription-name";

	/** The body is not a Pub/Sub delivery at all: answered 400, never acked. */
	public static final class NotADeliveryException extends Exception {

		NotADeliveryException(String message) {
			super(message, null, false, false);
		}

	}

	private PushEnvelopeDecoder() {
	}

	/**
	 * Decodes a push.
	 * @param body the raw request body, whatever its Content-Type
	 * @param headers the Pub/Sub metadata headers present (lower-case names) and any
	 * attribute headers
	 * @throws NotADeliveryException when the body is neither a wrapped push nor a
	 * LogEntry
	 */
	public static Delivery decode(byte[] body, Map<String, String> headers) throws NotADeliveryException {
		if (headers.containsKey(MESSAGE_ID_HEADER) || headers.containsKey(SUBSCRIPTION_HEADER)) {
			return unwrapped(body, headers);
		}
		try (JsonParser parser = Json.FACTORY.createParser(ObjectReadContext.empty(), body)) {
			if (parser.nextToken() != JsonToken.START_OBJECT) {
				throw new NotADeliveryException("body is not a JSON object");
			}
			Delivery wrapped = null;
			String subscription = null;
			Integer attempt = null;
			boolean looksLikeLogEntry = false;
			String name;
			while ((name = parser.nextName()) != null) {
				JsonToken token = parser.nextToken();
				switch (name) {
					case "message" -> {
						if (token != JsonToken.START_OBJECT) {
							throw new NotADeliveryException("'message' is not an object");
						}
						wrapped = message(parser);
					}
					case "subscription" ->
						subscription = (token == JsonToken.VALUE_STRING) ? parser.getString() : skip(parser);
					case "deliveryAttempt", "delivery_attempt" -> attempt = (token == JsonToken.VALUE_NUMBER_INT
							&& parser.getNumberType() == JsonParser.NumberType.INT) ? parser.getIntValue() : null;
					case "httpRequest", "insertId", "logName" -> {
						looksLikeLogEntry = true;
						parser.skipChildren();
					}
					default -> parser.skipChildren();
				}
			}
			if (parser.nextToken() != null) {
				throw new NotADeliveryException("trailing content after the JSON object");
			}
			if (wrapped != null) {
				PubSubMessage m = wrapped.message();
				return new Delivery(
						new PubSubMessage(m.messageId(), m.publishTime(), m.attributes(), m.data(), subscription),
						DeliveryKind.PUSH_WRAPPED, wrapped.poisonReason(), attempt);
			}
			if (looksLikeLogEntry) {
				return unwrapped(body, headers);
			}
			throw new NotADeliveryException("body has no 'message'");
		}
		catch (JacksonException ex) {
			throw new NotADeliveryException("body is not valid JSON");
		}
	}

	private static String skip(JsonParser parser) {
		parser.skipChildren();
		return null;
	}

	private static Delivery unwrapped(byte[] body, Map<String, String> headers) {
		Map<String, String> attributes = new HashMap<>();
		String timestamp = headers.get(PubSubMessage.LOGGING_TIMESTAMP_ATTRIBUTE);
		if (timestamp != null) {
			attributes.put(PubSubMessage.LOGGING_TIMESTAMP_ATTRIBUTE, timestamp);
		}
		PubSubMessage message = new PubSubMessage(headers.get(MESSAGE_ID_HEADER), headers.get(PUBLISH_TIME_HEADER),
				attributes, body, headers.get(SUBSCRIPTION_HEADER));
		return new Delivery(message, DeliveryKind.PUSH_UNWRAPPED, null, null);
	}

	private static Delivery message(JsonParser parser) {
		String messageId = null;
		String publishTime = null;
		String dataText = null;
		byte[] dataAscii = null;
		Map<String, String> attributes = Map.of();
		String name;
		while ((name = parser.nextName()) != null) {
			JsonToken token = parser.nextToken();
			switch (name) {
				case "messageId", "message_id" -> {
					String id = text(parser, token);
					messageId = (messageId != null) ? messageId : id;
				}
				case "publishTime", "publish_time" -> {
					String time = text(parser, token);
					publishTime = (publishTime != null) ? publishTime : time;
				}
				case "data" -> {
					if (token == JsonToken.VALUE_STRING) {
						// The payload is the bulk of the body: copy it once, straight
						// from the parser's buffer.
						dataAscii = ascii(parser);
						dataText = (dataAscii != null) ? null : parser.getString();
					}
					else {
						dataAscii = null;
						dataText = text(parser, token);
					}
				}
				case "attributes" -> attributes = attributes(parser, token);
				default -> parser.skipChildren();
			}
		}
		// ASCII text as bytes is what Base64.Decoder.decode(String) and
		// String.getBytes(UTF_8) see, so both forms
		// decode alike; text with other characters is never base64 and keeps its UTF-8
		// bytes.
		byte[] encoded = (dataAscii != null) ? dataAscii
				: (dataText != null) ? dataText.getBytes(StandardCharsets.UTF_8) : new byte[0];
		byte[] data = new byte[0];
		String poison = null;
		if (encoded.length > 0) {
			try {
				data = Base64.getDecoder().decode((dataAscii != null) ? encoded : latin1(dataText));
			}
			catch (IllegalArgumentException notStandard) {
				try {
					data = Base64.getUrlDecoder().decode((dataAscii != null) ? encoded : latin1(dataText));
				}
				catch (IllegalArgumentException notUrlSafe) {
					data = encoded;
					poison = "not_base64";
				}
			}
		}
		return new Delivery(new PubSubMessage(messageId, publishTime, attributes, data, null),
				DeliveryKind.PUSH_WRAPPED, poison, null);
	}

	/**
	 * The current string token as ASCII bytes, or {@code null} when it has any other
	 * character.
	 */
	private static byte[] ascii(JsonParser parser) {
		char[] chars = parser.getStringCharacters();
		int offset = parser.getStringOffset();
		int length = parser.getStringLength();
		byte[] bytes = new byte[length];
		for (int i = 0; i < length; i++) {
			char c = chars[offset + i];
			if (c > 0x7F) {
				return null;
			}
			bytes[i] = (byte) c;
		}
		return bytes;
	}

	private static byte[] latin1(String text) {
		return text.getBytes(StandardCharsets.ISO_8859_1);
	}

	private static String text(JsonParser parser, JsonToken token) {
		if (token == JsonToken.VALUE_STRING || token.isNumeric()) {
			return parser.getString();
		}
		parser.skipChildren();
		return null;
	}

	private static Map<String, String> attributes(JsonParser parser, JsonToken token) {
		if (token != JsonToken.START_OBJECT) {
			parser.skipChildren();
			return Map.of();
		}
		Map<String, String> attributes = new HashMap<>();
		String key;
		while ((key = parser.nextName()) != null) {
			JsonToken value = parser.nextToken();
			String text = text(parser, value);
			if (text != null && attributes.size() < 100) {
				attributes.putIfAbsent(key, text);
			}
		}
		return attributes;
	}

}
