package dev.pixelpipeline.parse;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.exc.StreamConstraintsException;

/**
 * Reads the few fields the pipeline needs out of a LogEntry's JSON with a streaming
 * parser, skipping the rest.
 */
public final class LogEntryReader {

	/** Why a payload could not be read as a LogEntry. */
	public static final class UnreadableLogEntryException extends Exception {

		private final String reason;

		UnreadableLogEntryException(String reason, String message) {
			super(message, null, false, false);
			this.reason = reason;
		}

		/**
		 * A stable reason code: {@code not_json}, {@code json_too_complex} or
		 * {@code not_an_object}.
		 */
		public String reason() {
			return this.reason;
		}

	}

	private LogEntryReader() {
	}

	/** Reads a LogEntry from UTF-8 JSON bytes. */
	public static LoadBalancerLogEntry read(byte[] json) throws UnreadableLogEntryException {
		try (JsonParser parser = Json.FACTORY.createParser(ObjectReadContext.empty(), json)) {
			if (parser.nextToken() != JsonToken.START_OBJECT) {
				throw new UnreadableLogEntryException("not_an_object", "payload is not a JSON object");
			}
			LoadBalancerLogEntry entry = readEntry(parser);
			if (parser.nextToken() != null) {
				throw new UnreadableLogEntryException("not_json", "trailing content after the JSON object");
			}
			return entry;
		}
		catch (StreamConstraintsException ex) {
			throw new UnreadableLogEntryException("json_too_complex", "payload exceeds JSON read limits");
		}
		catch (JacksonException ex) {
			throw new UnreadableLogEntryException("not_json", "payload is not valid JSON");
		}
	}

	private static LoadBalancerLogEntry readEntry(JsonParser parser) {
		String insertId = null;
		String timestamp = null;
		String method = null;
		String url = null;
		Integer status = null;
		String userAgent = null;
		String remoteIp = null;
		String referer = null;
		boolean hasHttpRequest = false;
		String name;
		while ((name = parser.nextName()) != null) {
			JsonToken value = parser.nextToken();
			switch (name) {
				case "insertId" -> insertId = text(parser, value);
				case "timestamp" -> timestamp = text(parser, value);
				case "httpRequest" -> {
					if (value != JsonToken.START_OBJECT) {
						parser.skipChildren();
						continue;
					}
					hasHttpRequest = true;
					String field;
					while ((field = parser.nextName()) != null) {
						JsonToken fieldValue = parser.nextToken();
						switch (field) {
							case "requestMethod" -> method = text(parser, fieldValue);
							case "requestUrl" -> url = text(parser, fieldValue);
							case "status" -> status = integer(parser, fieldValue);
							case "userAgent" -> userAgent = text(parser, fieldValue);
							case "remoteIp" -> remoteIp = text(parser, fieldValue);
							case "referer" -> referer = text(parser, fieldValue);
							default -> parser.skipChildren();
						}
					}
				}
				default -> parser.skipChildren();
			}
		}
		return new LoadBalancerLogEntry(insertId, timestamp, method, url, status, userAgent, remoteIp, referer,
				hasHttpRequest);
	}

	private static String text(JsonParser parser, JsonToken token) {
		if (token == JsonToken.VALUE_STRING || token.isNumeric() || token.isBoolean()) {
			return parser.getString();
		}
		parser.skipChildren();
		return null;
	}

	private static Integer integer(JsonParser parser, JsonToken token) {
		if (token == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() == JsonParser.NumberType.INT) {
			return parser.getIntValue();
		}
		if (token == JsonToken.VALUE_STRING) {
			String text = parser.getString();
			if (!text.isEmpty() && text.length() <= 9 && text.chars().allMatch(Character::isDigit)) {
				return Integer.valueOf(text);
			}
			return null;
		}
		parser.skipChildren();
		return null;
	}

}
