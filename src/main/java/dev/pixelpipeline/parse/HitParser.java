package dev.pixelpipeline.parse;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Turns one Pub/Sub message carrying a load balancer LogEntry into a {@link ParseResult}: a pixel hit, an entry
 * ignored on purpose, or poison. A pure function of its inputs: no I/O, no clock, no Spring.
 */
public final class HitParser {

	private final ParserSettings settings;

	public HitParser(ParserSettings settings) {
		this.settings = settings;
	}

	/** The rules this parser applies. */
	public ParserSettings settings() {
		return this.settings;
	}

	/**
	 * Parses a message.
	 * @param message the delivered message, its data the LogEntry JSON
	 * @param receivedAt when the pipeline received it, the event time of last resort
	 */
	public ParseResult parse(PubSubMessage message, Instant receivedAt) {
		if (message.data().length == 0) {
			return new ParseResult.Poison("empty_data", "message has no data");
		}
		LoadBalancerLogEntry entry;
		try {
			entry = LogEntryReader.read(message.data());
		}
		catch (LogEntryReader.UnreadableLogEntryException ex) {
			return new ParseResult.Poison(ex.reason(), ex.getMessage());
		}
		return parse(message, entry, receivedAt);
	}

	ParseResult parse(PubSubMessage message, LoadBalancerLogEntry entry, Instant receivedAt) {
		String url = entry.requestUrl();
		if (url == null || url.isBlank()) {
			return new ParseResult.Poison("no_request_url", "log entry has no httpRequest.requestUrl");
		}
		if (url.length() > this.settings.maxUrlLength()) {
			return new ParseResult.Poison("url_too_long",
					"requestUrl has " + url.length() + " characters, over " + this.settings.maxUrlLength());
		}
		RequestUrl parts = RequestUrl.parse(url);
		if (parts == null) {
			return new ParseResult.Poison("unusable_url", "requestUrl is neither absolute nor a path");
		}
		if (!parts.path().equals(this.settings.pixelPath())) {
			return new ParseResult.Ignored("other_path");
		}
		if (!"GET".equals(entry.requestMethod())) {
			return new ParseResult.Ignored("not_get");
		}
		Map<String, String> attributes = QueryString.extract(parts.query(), this.settings.attributes(),
				this.settings.maxValueLength(), this.settings.maxQueryParameters());
		String userAgent = this.settings.dropUserAgent() ? null : cut(entry.userAgent());
		TrackingEvent event = new TrackingEvent(messageId(message, entry), attributes,
				eventTime(message, entry, receivedAt), userAgent,
				ClientIp.normalize(entry.remoteIp(), this.settings.anonymizeIp()), cut(entry.referer()),
				entry.status());
		return new ParseResult.Hit(event);
	}

	private String cut(String value) {
		return (value != null) ? QueryString.cut(value, this.settings.maxFieldLength()) : null;
	}

	/**
	 * The id that makes redeliveries idempotent: the Pub/Sub message id, else the LogEntry's {@code insertId} (unique
	 * per entry; what unwrapped pushes without metadata have), else a digest of the payload.
	 */
	public static String messageId(PubSubMessage message, LoadBalancerLogEntry entry) {
		if (message.messageId() != null && !message.messageId().isBlank()) {
			return message.messageId();
		}
		if (entry != null && entry.insertId() != null && !entry.insertId().isBlank()) {
			return entry.insertId();
		}
		return digest(message.data());
	}

	/** A stable id for a payload that came without any: redeliveries of the same bytes get the same id. */
	public static String digest(byte[] data) {
		try {
			byte[] hash = MessageDigest.getInstance("SHA-256").digest(data);
			return "sha256-" + HexFormat.of().formatHex(hash, 0, 16);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is required of every JVM", ex);
		}
	}

	private static Instant eventTime(PubSubMessage message, LoadBalancerLogEntry entry, Instant receivedAt) {
		Instant time = timestamp(entry.timestamp());
		if (time == null) {
			time = timestamp(message.attributes().get(PubSubMessage.LOGGING_TIMESTAMP_ATTRIBUTE));
		}
		if (time == null) {
			time = timestamp(message.publishTime());
		}
		return (time != null) ? time : receivedAt;
	}

	/** Parses an RFC 3339 timestamp (any offset, up to nanoseconds); {@code null} when absent or invalid. */
	public static Instant timestamp(String text) {
		if (text == null || text.isEmpty() || text.length() > 64) {
			return null;
		}
		try {
			return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

}
