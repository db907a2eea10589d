package dev.pixelpipeline.parse;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.pixelpipeline.support.Fixtures;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class HitParserTests {

	private static final Instant RECEIVED = Instant.parse("2026-11-28T10:00:00Z");

	private static final List<String> ATTRIBUTES = List.of("user_id", "order_id", "type");

	private final HitParser parser = new HitParser(ParserSettings.of("/pixel.png", ATTRIBUTES, true, false));

	private static PubSubMessage message(String messageId, String data) {
		return new PubSubMessage(messageId, "2026-10-04T09:15:23.118Z",
				Map.of(PubSubMessage.LOGGING_TIMESTAMP_ATTRIBUTE, "2026-10-04T09:15:22.431998Z"),
				data.getBytes(StandardCharsets.UTF_8), "projects/p/subscriptions/s");
	}

	private static Map<String, String> attributes(String... pairs) {
		Map<String, String> map = new LinkedHashMap<>();
		for (int i = 0; i < pairs.length; i += 2) {
			map.put(pairs[i], pairs[i + 1]);
		}
		return map;
	}

	static Stream<Arguments> hits() {
		return Stream.of(Arguments
			.of(Named.of("CDN cache hit, IPv4 with port", Fixtures.text("cdn-cache-hit.json")), new TrackingEvent(
					"1q2w3e4r5t6y7u",
					attributes("user_id", "5f2b8c1e9a7d3e4f6a1b2c3d", "order_id", "A-10023", "type", "purchase"),
					Instant.parse("2026-10-04T09:15:22.431998Z"),
					"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
					"203.0.113.0", "https://www.example.com/checkout/thanks", 200)),
				Arguments.of(
						Named.of("backend response, extra parameter, empty referer, no port",
								Fixtures.text("backend-response.json")),
						new TrackingEvent("5h7j9k1m3n5p7q", attributes("user_id", "guest-77", "type", "click"),
								Instant.parse("2026-10-04T09:16:01.002Z"), "curl/8.5.0", "198.51.100.0", "", 200)),
				Arguments.of(Named.of("revalidated 304, bracketed IPv6 with port, last microsecond of the day", Fixtures
					.text("revalidated-304.json")), new TrackingEvent("r8s0t2u4v6w8x0",
							attributes("user_id", "5f2b8c1e9a7d3e4f6a1b2c3d", "type", "view"),
							Instant.parse("2026-10-04T23:59:59.999999Z"),
							"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
							"2001:db8:cafe::", "https://www.example.com/", 304)),
				Arguments.of(Named.of("regional load balancer with Cloud Armor", Fixtures
					.text("regional-lb-cloud-armor.json")), new TrackingEvent("c4d6f8g0h2j4k6",
							attributes("user_id", "eu-301", "type", "view"), Instant.parse("2026-10-05T07:00:03.118Z"),
							"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
							"192.0.2.0", "https://shop.example.eu/", 200)));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("hits")
	void parsesHitsFromRealShapedLogEntries(String logEntry, TrackingEvent expected) {
		ParseResult result = this.parser.parse(message("m1", logEntry), RECEIVED);
		assertThat(result).isEqualTo(new ParseResult.Hit(expected));
	}

	static Stream<Arguments> urls() {
		return Stream.of(
				Arguments.of(Named.of("path-only URL", "/pixel.png?user_id=u1&type=view"),
						attributes("user_id", "u1", "type", "view")),
				Arguments.of(
						Named.of("plus is a space, percent escapes are UTF-8",
								"/pixel.png?user_id=a+b&type=%C3%A9t%C3%A9"),
						attributes("user_id", "a b", "type", "été")),
				Arguments.of(Named.of("first occurrence wins", "/pixel.png?user_id=first&user_id=second"),
						attributes("user_id", "first")),
				Arguments.of(Named.of("names match case-sensitively", "/pixel.png?USER_ID=upper&user_id=lower"),
						attributes("user_id", "lower")),
				Arguments.of(
						Named.of("invalid percent escapes are kept literally", "/pixel.png?user_id=100%&type=%zz%4"),
						attributes("user_id", "100%", "type", "%zz%4")),
				Arguments.of(Named.of("unescaped space and pipe tolerated", "/pixel.png?user_id=a b|c&type=x"),
						attributes("user_id", "a b|c", "type", "x")),
				Arguments.of(Named.of("present but empty is an empty string", "/pixel.png?user_id=&order_id&type=v"),
						attributes("user_id", "", "order_id", "", "type", "v")),
				Arguments.of(Named.of("encoded names are decoded before matching", "/pixel.png?user%5Fid=u9"),
						attributes("user_id", "u9")),
				Arguments.of(Named.of("fragment is not part of the query", "/pixel.png?user_id=u1#type=x"),
						attributes("user_id", "u1")),
				Arguments.of(Named.of("no query at all", "https://track.example.com/pixel.png"), attributes()),
				Arguments.of(Named.of("malformed UTF-8 becomes the replacement character", "/pixel.png?user_id=%FF"),
						attributes("user_id", "\uFFFD")));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("urls")
	void decodesQueriesByTheRules(String url, Map<String, String> expected) {
		String entry = Fixtures.replaced("cdn-cache-hit.json",
				"https://track.example.com/pixel.png?user_id=5f2b8c1e9a7d3e4f6a1b2c3d&order_id=A-10023&type=purchase",
				url);
		ParseResult result = this.parser.parse(message("m1", entry), RECEIVED);
		assertThat(result).isInstanceOf(ParseResult.Hit.class);
		assertThat(((ParseResult.Hit) result).event().attributes()).containsExactlyEntriesOf(expected);
	}

	@Test
	void cutsValuesAt1024Characters() {
		String longValue = "x".repeat(1500);
		String entry = Fixtures.replaced("cdn-cache-hit.json", "user_id=5f2b8c1e9a7d3e4f6a1b2c3d",
				"user_id=" + longValue);
		ParseResult.Hit hit = (ParseResult.Hit) this.parser.parse(message("m1", entry), RECEIVED);
		assertThat(hit.event().attributes().get("user_id")).hasSize(1024);
	}

	@Test
	void looksAtTheFirst100ParametersOnly() {
		StringBuilder query = new StringBuilder("/pixel.png?");
		for (int i = 0; i < 100; i++) {
			query.append("p").append(i).append("=v&");
		}
		query.append("user_id=late");
		String entry = Fixtures.replaced("cdn-cache-hit.json",
				"https://track.example.com/pixel.png?user_id=5f2b8c1e9a7d3e4f6a1b2c3d&order_id=A-10023&type=purchase",
				query.toString());
		ParseResult.Hit hit = (ParseResult.Hit) this.parser.parse(message("m1", entry), RECEIVED);
		assertThat(hit.event().attributes()).isEmpty();
	}

	static Stream<Arguments> eventTimes() {
		String noTimestamp = Fixtures.replaced("cdn-cache-hit.json", "\"timestamp\": \"2026-10-04T09:15:22.431998Z\",",
				"");
		return Stream.of(
				Arguments.of(
						Named.of("timestamp with an offset and nanoseconds",
								Fixtures.replaced("cdn-cache-hit.json", "2026-10-04T09:15:22.431998Z\",\n  \"severity",
										"2026-10-04T11:15:22.123456789+02:00\",\n  \"severity")),
						Map.of(), null, Instant.parse("2026-10-04T09:15:22.123456789Z")),
				Arguments.of(Named.of("no timestamp: the sink's attribute", noTimestamp),
						Map.of(PubSubMessage.LOGGING_TIMESTAMP_ATTRIBUTE, "2026-10-04T09:15:22.5Z"),
						"2026-10-04T09:15:23.118Z", Instant.parse("2026-10-04T09:15:22.5Z")),
				Arguments.of(Named.of("no timestamp, no attribute: publish time", noTimestamp), Map.of(),
						"2026-10-04T09:15:23.118Z", Instant.parse("2026-10-04T09:15:23.118Z")),
				Arguments.of(Named.of("nothing usable: receive time", noTimestamp),
						Map.of(PubSubMessage.LOGGING_TIMESTAMP_ATTRIBUTE, "yesterday"), null, RECEIVED));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("eventTimes")
	void takesEventTimeFromTheBestSource(String entry, Map<String, String> attributes, String publishTime,
			Instant expected) {
		PubSubMessage message = new PubSubMessage("m1", publishTime, attributes, entry.getBytes(StandardCharsets.UTF_8),
				null);
		ParseResult.Hit hit = (ParseResult.Hit) this.parser.parse(message, RECEIVED);
		assertThat(hit.event().eventTime()).isEqualTo(expected);
	}

	static Stream<Arguments> ignored() {
		return Stream
			.of(Arguments.of(Named.of("favicon request", Fixtures.text("not-the-pixel.json")), "other_path"),
					Arguments.of(Named.of("POST to the pixel",
							Fixtures.replaced("cdn-cache-hit.json", "\"GET\"", "\"POST\"")), "not_get"),
					Arguments.of(
							Named.of("pixel path as a prefix only",
									Fixtures.replaced("cdn-cache-hit.json", "/pixel.png?", "/pixel.png.bak?")),
							"other_path"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("ignored")
	void ignoresWhatIsNotAPixelHit(String entry, String reason) {
		assertThat(this.parser.parse(message("m1", entry), RECEIVED)).isEqualTo(new ParseResult.Ignored(reason));
	}

	static Stream<Arguments> poison() {
		return Stream.of(Arguments.of(Named.of("empty data", ""), "empty_data"),
				Arguments.of(Named.of("not JSON", "user_id=u1"), "not_json"),
				Arguments
					.of(Named.of("truncated JSON", Fixtures.text("cdn-cache-hit.json").substring(0, 200)), "not_json"),
				Arguments.of(Named.of("JSON but not an object", "[1,2,3]"), "not_an_object"),
				Arguments.of(Named.of("no httpRequest", "{\"insertId\":\"x\",\"timestamp\":\"2026-10-04T09:15:22Z\"}"),
						"no_request_url"),
				Arguments.of(
						Named.of("httpRequest without requestUrl", "{\"httpRequest\":{\"requestMethod\":\"GET\"}}"),
						"no_request_url"),
				Arguments.of(Named.of("unusable URL",
						Fixtures.replaced("cdn-cache-hit.json", "https://track.example.com/pixel.png?", "pixel.png?")),
						"unusable_url"),
				Arguments.of(Named.of("URL over 16 KiB",
						Fixtures.replaced("cdn-cache-hit.json", "type=purchase", "type=" + "p".repeat(17 * 1024))),
						"url_too_long"),
				Arguments.of(
						Named.of("nesting beyond the read limit", "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}"),
						"json_too_complex"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("poison")
	void reportsPoisonWithAReasonCode(String data, String reason) {
		ParseResult result = this.parser.parse(message("m1", data), RECEIVED);
		assertThat(result).isInstanceOf(ParseResult.Poison.class);
		assertThat(((ParseResult.Poison) result).reason()).isEqualTo(reason);
	}

	@Test
	void keysTheHitByItsInsertIdWhateverMessageCarriedIt() {
		String entry = Fixtures.text("cdn-cache-hit.json");
		// The original delivery, the dead-lettered copy (a new message with a new id),
		// and
		// an unwrapped push without metadata all key the same row.
		for (String messageId : new String[] { "m1", "dead-lettered-copy-77", null }) {
			ParseResult.Hit hit = (ParseResult.Hit) this.parser.parse(message(messageId, entry), RECEIVED);
			assertThat(hit.event().messageId()).as("message id %s", messageId).isEqualTo("1q2w3e4r5t6y7u");
		}
	}

	@Test
	void usesTheMessageIdWhenTheEntryHasNoInsertId() {
		String entry = Fixtures.replaced("cdn-cache-hit.json", "\"insertId\": \"1q2w3e4r5t6y7u\",", "");
		ParseResult.Hit hit = (ParseResult.Hit) this.parser.parse(message("m1", entry), RECEIVED);
		assertThat(hit.event().messageId()).isEqualTo("m1");
		String blank = Fixtures.withInsertId(Fixtures.text("cdn-cache-hit.json"), " ");
		hit = (ParseResult.Hit) this.parser.parse(message("m2", blank), RECEIVED);
		assertThat(hit.event().messageId()).isEqualTo("m2");
	}

	@Test
	void derivesAStableIdWhenThereIsNoIdAtAll() {
		String entry = Fixtures.replaced("cdn-cache-hit.json", "\"insertId\": \"1q2w3e4r5t6y7u\",", "");
		String first = ((ParseResult.Hit) this.parser.parse(message(null, entry), RECEIVED)).event().messageId();
		String again = ((ParseResult.Hit) this.parser.parse(message(null, entry), RECEIVED)).event().messageId();
		assertThat(first).startsWith("sha256-").isEqualTo(again);
	}

	@Test
	void keepsTheFullAddressWhenAnonymisationIsOffAndDropsTheUserAgentWhenAsked() {
		HitParser raw = new HitParser(ParserSettings.of("/pixel.png", ATTRIBUTES, false, true));
		TrackingEvent event = ((ParseResult.Hit) raw.parse(message("m1", Fixtures.text("revalidated-304.json")),
				RECEIVED))
			.event();
		assertThat(event.remoteIp()).isEqualTo("2001:db8:cafe::17");
		assertThat(event.userAgent()).isNull();
	}

	private static final String CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";

	private static final String GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

	private static final UserAgentClassifier CLASSIFIER = UserAgentClassifier
		.loaded(UserAgentClassifier.DEFAULT_BOT_PATTERNS, 100);

	private static ParseResult parseWith(BotPolicy bots, boolean dropUserAgent, String userAgent) {
		HitParser enriching = new HitParser(ParserSettings.of("/pixel.png", ATTRIBUTES, true, dropUserAgent),
				CLASSIFIER, bots);
		return enriching.parse(message("m1", Fixtures.text("cdn-cache-hit.json").replace(CHROME, userAgent)), RECEIVED);
	}

	@Test
	void enrichesABrowserHitAndKeepsTheRefererHost() {
		TrackingEvent event = ((ParseResult.Hit) parseWith(BotPolicy.TAG, false, CHROME)).event();
		assertThat(event.agent()).isEqualTo(new UserAgentFacts("Desktop", "Chrome", "130", "Windows", false));
		assertThat(event.bot()).isFalse();
		assertThat(event.refererHost()).isEqualTo("www.example.com");
	}

	@Test
	void tagsABotByDefaultPolicy() {
		TrackingEvent event = ((ParseResult.Hit) parseWith(BotPolicy.TAG, false, GOOGLEBOT)).event();
		assertThat(event.bot()).isTrue();
		assertThat(event.agent().agentName()).isEqualTo("Googlebot");
		assertThat(event.agent().deviceClass()).isEqualTo("Robot");
	}

	@Test
	void dropsABotAsIgnoredWithReasonBot() {
		assertThat(parseWith(BotPolicy.DROP, false, GOOGLEBOT)).isEqualTo(new ParseResult.Ignored("bot"));
		assertThat(parseWith(BotPolicy.DROP, false, CHROME)).isInstanceOf(ParseResult.Hit.class);
	}

	@Test
	void keepsABotUnclassified() {
		TrackingEvent event = ((ParseResult.Hit) parseWith(BotPolicy.KEEP, false, GOOGLEBOT)).event();
		assertThat(event.bot()).isNull();
		assertThat(event.agent().agentName()).isEqualTo("Googlebot");
	}

	@Test
	void droppingTheRawUserAgentKeepsTheDerivedColumns() {
		TrackingEvent event = ((ParseResult.Hit) parseWith(BotPolicy.TAG, true, CHROME)).event();
		assertThat(event.userAgent()).isNull();
		assertThat(event.agent()).isEqualTo(new UserAgentFacts("Desktop", "Chrome", "130", "Windows", false));
	}

	@Test
	void withoutAClassifierThereAreNoUserAgentColumns() {
		TrackingEvent event = ((ParseResult.Hit) this.parser.parse(message("m1", Fixtures.text("cdn-cache-hit.json")),
				RECEIVED))
			.event();
		assertThat(event.agent()).isNull();
		assertThat(event.bot()).isNull();
		assertThat(event.refererHost()).isEqualTo("www.example.com");
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "2026-10-04T09:15:22Z", "2026-10-04T09:15:22.5Z", "2026-10-04T09:15:22.431998Z",
			"2026-10-04T09:15:22.123456789Z", "2026-10-04T09:15:22.1234567890Z", "2026-10-04T09:15:22.Z",
			"2024-02-29T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
			"2026-00-10T00:00:00Z", "2026-10-00T00:00:00Z", "2026-10-04T24:00:00Z", "2026-10-04T23:60:00Z",
			"2026-10-04T23:59:60Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "+12026-10-04T09:15:22Z",
			"2026-10-04t09:15:22z", "2026-10-04T09:15Z", "2026-10-04 09:15:22Z", "2026-10-04T09:15:22+02:00",
			"2026-10-04T09:15:22.5-00:30", "2026-1a-04T09:15:22Z", "\uff12026-10-04T09:15:22Z",
			"2026-10-04T09:15:22.12a4Z", "yesterday" })
	void readsTimestampsExactlyAsTheIsoFormatterDoes(String text) {
		Instant expected;
		try {
			expected = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
		}
		catch (DateTimeParseException ex) {
			expected = null;
		}
		assertThat(HitParser.timestamp(text)).isEqualTo(expected);
	}

}
