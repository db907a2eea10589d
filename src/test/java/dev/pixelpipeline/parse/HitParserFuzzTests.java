package dev.pixelpipeline.parse;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pixelpipeline.store.TableName;
import dev.pixelpipeline.store.TableNamer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes LogEntry reading and hit parsing with arbitrary message data: the reader throws
 * nothing but {@code UnreadableLogEntryException}; the parser never throws, and a hit has
 * cut values, an anonymised address and a valid table name. {@code ./mvnw verify} replays
 * the committed inputs in {@code HitParserFuzzTestsInputs/<method>};
 * {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class HitParserFuzzTests {

	private static final List<String> ATTRIBUTES = List.of("user_id", "order_id", "type");

	private static final UserAgentClassifier CLASSIFIER = UserAgentClassifier
		.loaded(UserAgentClassifier.DEFAULT_BOT_PATTERNS, 1000);

	/** The production parser's shape: user-agent enrichment on, bots tagged. */
	private static final HitParser PARSER = new HitParser(ParserSettings.of("/pixel.png", ATTRIBUTES, true, false),
			CLASSIFIER, BotPolicy.TAG);

	private static final Set<String> DEVICE_CLASSES = Set.of("Desktop", "Phone", "Tablet", "Robot", "Unknown");

	private static final TableNamer TABLES = new TableNamer("pixel", "_{user_id}_{date}", ATTRIBUTES);

	private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z0-9_]{1,1024}");

	private static final Set<String> POISON_REASONS = Set.of("empty_data", "not_json", "json_too_complex",
			"not_an_object", "no_request_url", "url_too_long", "unusable_url");

	private static final Instant RECEIVED = Instant.parse("2026-11-28T10:00:00Z");

	@FuzzTest(maxDuration = "5m")
	void read(byte[] data) {
		try {
			LoadBalancerLogEntry entry = LogEntryReader.read(data);
			assertThat(entry).isNotNull();
			if (entry.requestUrl() != null) {
				assertThat(entry.hasHttpRequest()).isTrue();
			}
		}
		catch (LogEntryReader.UnreadableLogEntryException ex) {
			assertThat(ex.reason()).isIn("not_json", "json_too_complex", "not_an_object");
		}
	}

	@FuzzTest(maxDuration = "5m")
	void parse(byte[] data) {
		ParseResult result = PARSER.parse(new PubSubMessage(null, null, Map.of(), data, null), RECEIVED);
		assertThat(result).isNotNull();
		if (result instanceof ParseResult.Poison poison) {
			assertThat(poison.reason()).isIn(POISON_REASONS);
			assertThat(poison.detail()).doesNotContain("\n", "\r");
		}
		else if (result instanceof ParseResult.Hit hit) {
			TrackingEvent event = hit.event();
			assertThat(event.messageId()).isNotBlank();
			assertThat(event.eventTime()).isNotNull();
			assertThat(ATTRIBUTES).containsAll(event.attributes().keySet());
			event.attributes().values().forEach((value) -> assertThat(value.length()).isLessThanOrEqualTo(1024));
			if (event.userAgent() != null) {
				assertThat(event.userAgent().length()).isLessThanOrEqualTo(4096);
			}
			if (event.referer() != null) {
				assertThat(event.referer().length()).isLessThanOrEqualTo(4096);
			}
			RequestUrlFuzzTests.assertAnonymised(event.remoteIp());
			assertThat(event.agent()).isNotNull();
			assertThat(event.agent().deviceClass()).isIn(DEVICE_CLASSES);
			assertThat(event.agent().agentName()).isNotNull();
			assertThat(event.bot()).isNotNull();
			if (event.refererHost() != null) {
				assertThat(event.refererHost()).isNotEmpty().doesNotContain("/", "?", "#").isLowerCase();
			}
			TableName table = TABLES.name(event);
			assertThat(table.full()).matches(TABLE_NAME).startsWith("pixel_");
		}
		else {
			assertThat(((ParseResult.Ignored) result).reason()).isIn("other_path", "not_get");
		}
	}

	@FuzzTest(maxDuration = "5m")
	void classify(byte[] data) {
		String userAgent = new String(data, java.nio.charset.StandardCharsets.UTF_8);
		UserAgentFacts facts = CLASSIFIER.classify(userAgent);
		assertThat(facts.deviceClass()).isIn(DEVICE_CLASSES);
		assertThat(facts.bot()).isNotNull();
		assertThat(facts.deviceClass().equals("Robot")).isEqualTo(facts.bot());
		assertThat(CLASSIFIER.classify(userAgent)).isEqualTo(facts);
	}

}
