package dev.pixelpipeline.parse;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Month;
import java.time.OffsetDateTime;
import java.time.Year;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Turns one Pub/Sub message carrying a load balancer LogEntry into a {@link ParseResult}:
 * a pixel hit, an entry ignored on purpose, or poison. A pure function of its inputs: no
 * I/O, no clock, no Spring.
 */
public final class HitParser {

	private static final int[] POWERS_OF_TEN = { 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
			1_000_000_000 };

	/** The reason of {@link ParseResult.Ignored} for a robot dropped by policy. */
	public static final String BOT = "bot";

	private final ParserSettings settings;

	private final UserAgentClassifier classifier;

	private final BotPolicy bots;

	/** A parser without user-agent enrichment. */
	public HitParser(ParserSettings settings) {
		this(settings, null, BotPolicy.KEEP);
	}

	/**
	 * A parser that enriches hits from their user agent.
	 * @param classifier the user-agent classifier, or {@code null} for no user-agent
	 * columns (and no bot handling)
	 * @param bots what happens to robots
	 */
	public HitParser(ParserSettings settings, UserAgentClassifier classifier, BotPolicy bots) {
		this.settings = settings;
		this.classifier = classifier;
		this.bots = bots;
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
		// Classified before the privacy setting drops the raw user agent: the derived
		// columns are coarse (class, name, major version, OS), not a fingerprint.
		UserAgentFacts agent = null;
		if (this.classifier != null) {
			agent = this.classifier.classify(cut(entry.userAgent()));
			if (this.bots == BotPolicy.KEEP) {
				agent = agent.unclassified();
			}
			else if (this.bots == BotPolicy.DROP && Boolean.TRUE.equals(agent.bot())) {
				return new ParseResult.Ignored(BOT);
			}
		}
		String userAgent = this.settings.dropUserAgent() ? null : cut(entry.userAgent());
		String referer = cut(entry.referer());
		TrackingEvent event = new TrackingEvent(messageId(message, entry), attributes,
				eventTime(message, entry, receivedAt), userAgent,
				ClientIp.normalize(entry.remoteIp(), this.settings.anonymizeIp()), referer, entry.status(), agent,
				RefererHost.of(referer));
		return new ParseResult.Hit(event);
	}

	private String cut(String value) {
		return (value != null) ? QueryString.cut(value, this.settings.maxFieldLength()) : null;
	}

	/**
	 * The key that makes redeliveries and replays idempotent: the LogEntry's
	 * {@code insertId}, else the Pub/Sub message id, else a digest of the payload.
	 * <p>
	 * The LogEntry comes first because it never changes on the way, while the Pub/Sub
	 * message id does: when a subscription's dead-letter policy forwards a message after
	 * its maximum delivery attempts, Pub/Sub publishes a <em>new</em> message to the
	 * dead-letter topic, with a new message id and publish time, the same data and
	 * attributes, and the attributes {@code CloudPubSubDeadLetterSourceDeliveryCount},
	 * {@code CloudPubSubDeadLetterSourceSubscription},
	 * {@code CloudPubSubDeadLetterSourceSubscriptionProject} and
	 * {@code CloudPubSubDeadLetterSourceTopicPublishTime} added (seen with the Pub/Sub
	 * emulator 0.8.20, for push and pull subscriptions alike, and as Google's
	 * "dead-letter topics" page describes: the original message wrapped in a new one). A
	 * replay of that message, or of one whose row had in fact been stored before its ack
	 * was lost, must find the same key. Cloud Logging gives every entry of a log its own
	 * {@code insertId}.
	 * @param entry the parsed LogEntry, or {@code null} (poison: then the Pub/Sub message
	 * id, which is what a bad row is keyed by)
	 */
	public static String messageId(PubSubMessage message, LoadBalancerLogEntry entry) {
		if (entry != null && entry.insertId() != null && !entry.insertId().isBlank()) {
			return entry.insertId();
		}
		if (message.messageId() != null && !message.messageId().isBlank()) {
			return message.messageId();
		}
		return digest(message.data());
	}

	/**
	 * A stable id for a payload that came without any: redeliveries of the same bytes get
	 * the same id.
	 */
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

	/**
	 * Parses an RFC 3339 timestamp (any offset, up to nanoseconds); {@code null} when
	 * absent or invalid.
	 */
	public static Instant timestamp(String text) {
		if (text == null || text.isEmpty() || text.length() > 64) {
			return null;
		}
		Instant utc = utcTimestamp(text);
		if (utc != null) {
			return utc;
		}
		try {
			return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

	/**
	 * The shape Cloud Logging and Pub/Sub write, {@code yyyy-MM-ddTHH:mm:ss[.f…]Z} with
	 * up to nine fraction digits, read without the formatter's per-call allocations (it
	 * dominated the parse); {@code null} for any other text, which the formatter then
	 * decides on, so the accepted set and the results are the formatter's.
	 */
	static Instant utcTimestamp(String text) {
		int length = text.length();
		if (length < 20 || length == 21 || length > 30 || text.charAt(length - 1) != 'Z' || text.charAt(4) != '-'
				|| text.charAt(7) != '-' || text.charAt(10) != 'T' || text.charAt(13) != ':'
				|| text.charAt(16) != ':') {
			return null;
		}
		int year = digits(text, 0, 4);
		int month = digits(text, 5, 2);
		int day = digits(text, 8, 2);
		int hour = digits(text, 11, 2);
		int minute = digits(text, 14, 2);
		int second = digits(text, 17, 2);
		if (year < 0 || month < 1 || month > 12 || day < 1 || day > Month.of(month).length(Year.isLeap(year))
				|| hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
			return null;
		}
		int nanos = 0;
		if (length > 20) {
			int fractionDigits = length - 21;
			int fraction = digits(text, 20, fractionDigits);
			if (text.charAt(19) != '.' || fraction < 0) {
				return null;
			}
			nanos = fraction * POWERS_OF_TEN[9 - fractionDigits];
		}
		long epochDay = LocalDate.of(year, month, day).toEpochDay();
		return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3_600 + minute * 60 + second, nanos);
	}

	/** The non-negative value of {@code count} ASCII digits at {@code from}, or -1. */
	private static int digits(String text, int from, int count) {
		int value = 0;
		for (int i = from; i < from + count; i++) {
			char c = text.charAt(i);
			if (c < '0' || c > '9') {
				return -1;
			}
			value = value * 10 + (c - '0');
		}
		return value;
	}

}
