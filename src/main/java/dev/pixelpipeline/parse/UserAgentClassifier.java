package dev.pixelpipeline.parse;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import ua_parser.Client;
import ua_parser.Parser;

/**
 * Derives device class, agent, OS and a bot flag from a user agent with ua-parser
 * (uap-java), plus a list of bot patterns for what ua-parser does not call a spider
 * (uptime checkers, link previewers, HTTP tools). Results are kept in a bounded cache:
 * user agents repeat a lot. Thread-safe; no Spring.
 *
 * <p>
 * ua-parser's regexes are compiled by the {@code parser} supplier, which may run in the
 * background ({@link #loading}); {@link #classify} waits for it the first time, and
 * {@link #isLoaded()} tells readiness whether it still would.
 */
public final class UserAgentClassifier {

	/**
	 * The default bot patterns (case-insensitive, found anywhere in the user agent): an
	 * empty user agent (no browser sends none), a {@code +http://} contact URL (the
	 * crawlers' convention, which no browser follows), uptime checkers, link previewers,
	 * HTTP tools and headless browsers.
	 */
	public static final List<String> DEFAULT_BOT_PATTERNS = List.of("^\\s*-?\\s*$", "\\+https?://", "uptime", "pingdom",
			"site24x7", "statuscake", "checkly", "datadog", "newrelicpinger", "freshping", "slackbot", "twitterbot",
			"facebookexternalhit", "facebookcatalog", "whatsapp", "telegrambot", "discordbot", "linkedinbot",
			"skypeuripreview", "redditbot", "embedly", "pinterestbot", "iframely", "mastodon", "curl/", "wget/",
			"python-requests", "python-urllib", "aiohttp", "go-http-client", "java/", "apache-httpclient", "node-fetch",
			"axios/", "headlesschrome", "phantomjs", "lighthouse");

	private final CompletableFuture<Parser> parser;

	private final Pattern botPatterns;

	private final Cache<String, UserAgentFacts> cache;

	/**
	 * @param parser the loaded (or loading) ua-parser
	 * @param botPatterns regular expressions, case-insensitive, any match anywhere makes
	 * a bot
	 * @param cacheSize how many distinct user agents to remember
	 * @throws IllegalArgumentException naming the pattern that is not a valid regular
	 * expression
	 */
	public UserAgentClassifier(CompletableFuture<Parser> parser, List<String> botPatterns, int cacheSize) {
		this.parser = parser;
		this.botPatterns = compile(botPatterns);
		this.cache = CacheBuilder.newBuilder().maximumSize(cacheSize).build();
	}

	/** A classifier whose parser is loaded now, in the calling thread. */
	public static UserAgentClassifier loaded(List<String> botPatterns, int cacheSize) {
		return new UserAgentClassifier(CompletableFuture.completedFuture(new Parser()), botPatterns, cacheSize);
	}

	/**
	 * A classifier whose parser is loaded by the given runner (such as a background
	 * thread).
	 */
	public static UserAgentClassifier loading(List<String> botPatterns, int cacheSize, Executor runner) {
		Supplier<Parser> load = Parser::new;
		return new UserAgentClassifier(CompletableFuture.supplyAsync(load, runner), botPatterns, cacheSize);
	}

	private static Pattern compile(List<String> patterns) {
		StringBuilder any = new StringBuilder();
		for (String pattern : patterns) {
			try {
				Pattern.compile(pattern);
			}
			catch (PatternSyntaxException ex) {
				throw new IllegalArgumentException("pipeline.enrich.bot-patterns: '" + pattern
						+ "' is not a regular expression: " + ex.getDescription(), ex);
			}
			any.append((any.length() > 0) ? "|" : "").append("(?:").append(pattern).append(')');
		}
		return (any.length() > 0) ? Pattern.compile(any.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE)
				: null;
	}

	/**
	 * Whether ua-parser's regexes are compiled, so that {@link #classify} does not wait.
	 */
	public boolean isLoaded() {
		return this.parser.isDone() && !this.parser.isCompletedExceptionally();
	}

	/**
	 * Runs an action once ua-parser's regexes are loaded or failed to load.
	 * @param action given the failure, or {@code null} when they loaded
	 */
	public void whenLoaded(Consumer<Throwable> action) {
		this.parser.whenComplete((parser, failure) -> action.accept(failure));
	}

	/** Why loading ua-parser's regexes failed, or {@code null}. */
	public String loadFailure() {
		if (!this.parser.isCompletedExceptionally()) {
			return null;
		}
		try {
			this.parser.join();
			return null;
		}
		catch (RuntimeException ex) {
			Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
			return cause.toString();
		}
	}

	/**
	 * Waits for ua-parser's regexes.
	 * @throws IllegalStateException when they could not be loaded
	 */
	public void awaitLoaded() {
		this.parser.join();
	}

	/**
	 * The facts of a user agent, bot flag included.
	 * @param userAgent the header as logged, or {@code null}
	 */
	public UserAgentFacts classify(String userAgent) {
		String key = (userAgent != null) ? userAgent : "";
		UserAgentFacts facts = this.cache.getIfPresent(key);
		if (facts == null) {
			facts = compute(key);
			this.cache.put(key, facts);
		}
		return facts;
	}

	private UserAgentFacts compute(String userAgent) {
		boolean patternBot = this.botPatterns != null && this.botPatterns.matcher(userAgent).find();
		if (userAgent.isBlank()) {
			return new UserAgentFacts(patternBot ? "Robot" : "Unknown", "Other", null, "Other", patternBot);
		}
		Client client = this.parser.join().parse(userAgent);
		boolean spider = "Spider".equals(client.device.family);
		boolean bot = spider || patternBot;
		return new UserAgentFacts(deviceClass(client, userAgent, bot), client.userAgent.family, client.userAgent.major,
				client.os.family, bot);
	}

	/**
	 * ua-parser names devices (iPhone, Samsung SM-S908B, Mac, Other), not classes; the
	 * class follows the platforms' own conventions: robots first; iPads, Kindles and
	 * Android without the {@code Mobile} token (Android's rule for tablets) are tablets;
	 * iOS, Android and other mobile systems, or a {@code Mobile} token, are phones; a
	 * known desktop system is a desktop.
	 */
	static String deviceClass(Client client, String userAgent, boolean bot) {
		if (bot) {
			return "Robot";
		}
		String device = client.device.family.toLowerCase(Locale.ROOT);
		String os = client.os.family;
		boolean mobileToken = userAgent.contains("Mobile");
		if (device.contains("ipad") || device.contains("kindle") || device.contains("tablet")
				|| ("Android".equals(os) && !mobileToken)) {
			return "Tablet";
		}
		if ("iOS".equals(os) || "Android".equals(os) || os.startsWith("Windows Phone") || "KaiOS".equals(os)
				|| "BlackBerry OS".equals(os) || mobileToken) {
			return "Phone";
		}
		if (os.startsWith("Windows") || os.startsWith("Mac OS") || "Linux".equals(os) || "Ubuntu".equals(os)
				|| "Chrome OS".equals(os) || "Fedora".equals(os) || "Debian".equals(os) || os.endsWith("BSD")) {
			return "Desktop";
		}
		return "Unknown";
	}

}
