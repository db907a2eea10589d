package dev.pixelpipeline.parse;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class UserAgentClassifierTests {

	private static final UserAgentClassifier CLASSIFIER = UserAgentClassifier
		.loaded(UserAgentClassifier.DEFAULT_BOT_PATTERNS, 1000);

	/** The table in {@code src/test/resources/enrich/user-agents.tsv}. */
	static Stream<Arguments> userAgents() throws IOException {
		List<Arguments> cases = new ArrayList<>();
		try (InputStream in = UserAgentClassifierTests.class.getResourceAsStream("/enrich/user-agents.tsv");
				BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
			String line;
			while ((line = reader.readLine()) != null) {
				if (line.startsWith("#")) {
					continue;
				}
				String[] f = line.split("\t", -1);
				cases.add(Arguments.of(Named.of(f[0], f[1]), new UserAgentFacts(f[2], f[3],
						f[4].isEmpty() ? null : f[4], f[5], Boolean.parseBoolean(f[6]))));
			}
		}
		return cases.stream();
	}

	@Test
	void theTableHasAtLeastFortyRealUserAgents() throws IOException {
		assertThat(userAgents().count()).isGreaterThanOrEqualTo(40);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("userAgents")
	void classifiesRealUserAgents(String userAgent, UserAgentFacts expected) {
		assertThat(CLASSIFIER.classify(userAgent)).isEqualTo(expected);
		// The second look comes from the cache and says the same.
		assertThat(CLASSIFIER.classify(userAgent)).isEqualTo(expected);
	}

	@Test
	void anAbsentUserAgentIsTheEmptyOne() {
		assertThat(CLASSIFIER.classify(null)).isEqualTo(CLASSIFIER.classify(""));
	}

	@Test
	void withoutPatternsOnlyTheLibrarysSpidersAreBots() {
		UserAgentClassifier libraryOnly = UserAgentClassifier.loaded(List.of(), 10);
		assertThat(libraryOnly.classify("curl/8.4.0").bot()).isFalse();
		assertThat(libraryOnly.classify("").bot()).isFalse();
		assertThat(
				libraryOnly.classify("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)").bot())
			.isTrue();
	}

	@Test
	void configuredPatternsAreCaseInsensitiveAndFoundAnywhere() {
		UserAgentClassifier custom = UserAgentClassifier.loaded(List.of("acme-monitor"), 10);
		UserAgentFacts facts = custom.classify("Mozilla/5.0 (X11; Linux x86_64) ACME-Monitor/3.1");
		assertThat(facts.bot()).isTrue();
		assertThat(facts.deviceClass()).isEqualTo("Robot");
	}

	@Test
	void anInvalidPatternIsNamed() {
		assertThatIllegalArgumentException().isThrownBy(() -> UserAgentClassifier.loaded(List.of("ok", "bad("), 10))
			.withMessageContaining("pipeline.enrich.bot-patterns")
			.withMessageContaining("'bad('");
	}

	@Test
	void reportsLoadingAndAFailedLoad() {
		CompletableFuture<ua_parser.Parser> pending = new CompletableFuture<>();
		UserAgentClassifier loading = new UserAgentClassifier(pending, List.of(), 10);
		assertThat(loading.isLoaded()).isFalse();
		assertThat(loading.loadFailure()).isNull();
		pending.completeExceptionally(new IllegalStateException("regexes.yaml missing"));
		assertThat(loading.isLoaded()).isFalse();
		assertThat(loading.loadFailure()).contains("regexes.yaml missing");
	}

	@Test
	void aBoundedCacheStillAnswersPastItsSize() {
		UserAgentClassifier small = UserAgentClassifier.loaded(UserAgentClassifier.DEFAULT_BOT_PATTERNS, 2);
		for (int i = 0; i < 50; i++) {
			assertThat(
					small.classify("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/" + (100 + i) + ".0 Safari/537.36")
						.agentMajor())
				.isEqualTo(Integer.toString(100 + i));
		}
	}

}
