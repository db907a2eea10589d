package dev.pixelpipeline.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.pixelpipeline.parse.UserAgentClassifier;
import dev.pixelpipeline.parse.UserAgentFacts;
import nl.basjes.parse.useragent.UserAgent;
import nl.basjes.parse.useragent.UserAgentAnalyzer;

/**
 * Loads one user-agent parser in a fresh JVM and prints what it costs and how well it
 * agrees with the expected fields of the test table
 * ({@code src/test/resources/enrich/user-agents.tsv}): load time (construction and the
 * first parse), heap retained after a full GC and RSS, before and after. Run once per
 * parser, each in its own JVM with the container's heap flags:
 * {@code bench/user-agent-parsers.sh}.
 */
public final class UserAgentProbe {

	/** The test table's rows: case, user agent and the five expected fields. */
	static final List<String[]> TABLE = table();

	/** The test table's user agents. */
	static final List<String> USER_AGENTS = TABLE.stream().map((row) -> row[1]).toList();

	private UserAgentProbe() {
	}

	private static List<String[]> table() {
		List<String[]> rows = new ArrayList<>();
		try (BufferedReader reader = new BufferedReader(new InputStreamReader(
				UserAgentProbe.class.getResourceAsStream("/enrich/user-agents.tsv"), StandardCharsets.UTF_8))) {
			String line;
			while ((line = reader.readLine()) != null) {
				if (!line.startsWith("#")) {
					rows.add(line.split("\t", -1));
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return rows;
	}

	/** Yauaa as the pipeline would use it: the four fields it needs, its own cache. */
	static UserAgentAnalyzer yauaa(int cacheSize) {
		return UserAgentAnalyzer.newBuilder()
			.withFields(UserAgent.DEVICE_CLASS, UserAgent.AGENT_NAME, UserAgent.AGENT_VERSION_MAJOR,
					UserAgent.OPERATING_SYSTEM_NAME)
			.withCache(cacheSize)
			.hideMatcherLoadStats()
			.immediateInitialization()
			.build();
	}

	public static void main(String[] args) throws Exception {
		String which = args[0];
		long heapBefore = heapAfterGc();
		long rssBefore = rssKib();
		long start = System.nanoTime();
		Object keep;
		List<UserAgentFacts> results = new ArrayList<>();
		if (which.equals("yauaa")) {
			UserAgentAnalyzer analyzer = yauaa(10_000);
			analyzer.parse(USER_AGENTS.get(0));
			keep = analyzer;
		}
		else {
			// "uap-library-only": ua-parser's own verdicts, without the pipeline's bot
			// patterns, for a fair comparison of the libraries.
			UserAgentClassifier classifier = UserAgentClassifier.loaded(
					which.equals("uap-library-only") ? List.of() : UserAgentClassifier.DEFAULT_BOT_PATTERNS, 10_000);
			classifier.classify(USER_AGENTS.get(0));
			keep = classifier;
		}
		long loadMs = (System.nanoTime() - start) / 1_000_000;
		long heapLoaded = heapAfterGc();
		long rssLoaded = rssKib();
		for (String agent : USER_AGENTS) {
			results.add(facts(keep, agent));
		}
		int bot = 0;
		int device = 0;
		int agentName = 0;
		int os = 0;
		int all = 0;
		List<String> misses = new ArrayList<>();
		for (int i = 0; i < TABLE.size(); i++) {
			String[] row = TABLE.get(i);
			UserAgentFacts got = results.get(i);
			boolean b = Boolean.parseBoolean(row[6]) == Boolean.TRUE.equals(got.bot());
			boolean d = row[2].equals(got.deviceClass());
			boolean a = sameAgent(row[3], got.agentName());
			boolean o = sameOs(row[5], got.osName());
			bot += b ? 1 : 0;
			device += d ? 1 : 0;
			agentName += a ? 1 : 0;
			os += o ? 1 : 0;
			all += (b && d && a && o) ? 1 : 0;
			if (!(b && d && a && o)) {
				misses.add(row[0] + ": " + got);
			}
		}
		int n = TABLE.size();
		System.out.printf(Locale.ROOT,
				"%s: load %d ms; heap after GC %d -> %d MiB (+%d); RSS %d -> %d MiB (+%d); agreement on %d user agents:"
						+ " is_bot %d, device class %d, agent %d, OS %d, all four %d%n",
				which, loadMs, heapBefore >> 20, heapLoaded >> 20, (heapLoaded - heapBefore) >> 20, rssBefore >> 10,
				rssLoaded >> 10, (rssLoaded - rssBefore) >> 10, n, bot, device, agentName, os, all);
		misses.forEach((miss) -> System.out.println("  differs: " + miss));
		if (args.length > 1 && args[1].equals("fill-cache")) {
			// The cache full: 10,000 distinct user agents of realistic length.
			long fillStart = System.nanoTime();
			for (int i = 0; i < 10_000; i++) {
				facts(keep, USER_AGENTS.get(i % USER_AGENTS.size()) + " Build/" + i);
			}
			long heapFull = heapAfterGc();
			System.out.printf(Locale.ROOT, "%s with a full cache (10,000 agents, filled in %d ms): heap after GC %d MiB"
					+ " (+%d over the loaded parser); RSS %d MiB%n", which, (System.nanoTime() - fillStart) / 1_000_000,
					heapFull >> 20, (heapFull - heapLoaded) >> 20, rssKib() >> 10);
		}
		System.out.println(keep.hashCode() != 0 ? "" : "-");
	}

	private static UserAgentFacts facts(Object parser, String agent) {
		if (parser instanceof UserAgentClassifier classifier) {
			return classifier.classify(agent);
		}
		UserAgent parsed = ((UserAgentAnalyzer) parser).parse(agent);
		String deviceClass = parsed.getValue(UserAgent.DEVICE_CLASS);
		// Yauaa's robot-like classes: Robot, Robot Mobile, Robot Imitator; Hacker is what
		// it calls garbage and injection attempts.
		boolean bot = deviceClass.startsWith("Robot");
		String mapped = switch (deviceClass) {
			case "Desktop", "Phone", "Tablet", "Unknown" -> deviceClass;
			case "Robot", "Robot Mobile", "Robot Imitator" -> "Robot";
			default -> "Unknown";
		};
		return new UserAgentFacts(mapped, parsed.getValue(UserAgent.AGENT_NAME),
				parsed.getValue(UserAgent.AGENT_VERSION_MAJOR), parsed.getValue(UserAgent.OPERATING_SYSTEM_NAME), bot);
	}

	/**
	 * The same browser whatever each library calls it (ua-parser's "Chrome Mobile",
	 * "Mobile Safari" are Yauaa's "Chrome", "Safari"); unknown is unknown.
	 */
	static boolean sameAgent(String expected, String got) {
		return normalAgent(expected).equals(normalAgent(got));
	}

	private static String normalAgent(String name) {
		String n = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "");
		n = n.replace("mobileios", "").replace("mobilewebview", "webview").replace("mobile", "");
		Map<String, String> aliases = Map.of("samsungbrowser", "samsunginternet", "facebookbot", "facebookexternalhit",
				"pythonrequests", "pythonrequests", "other", "unknown", "hacker", "unknown", "netscape", "unknown",
				"pingdombot", "pingdom");
		if (n.startsWith("pingdom")) {
			return "pingdom";
		}
		return aliases.getOrDefault(n, n);
	}

	/** The same OS family whatever each library calls it; no OS is no OS. */
	static boolean sameOs(String expected, String got) {
		return normalOs(expected).equals(normalOs(got));
	}

	private static String normalOs(String name) {
		String n = name.toLowerCase(Locale.ROOT).replace(" ", "");
		if (n.startsWith("windows")) {
			return "windows";
		}
		if (n.startsWith("macos")) {
			return "macos";
		}
		return switch (n) {
			case "other", "unknown", "hacker", "cloud", "googlecloud", "microsoftcloud" -> "none";
			default -> n;
		};
	}

	private static long heapAfterGc() {
		for (int i = 0; i < 3; i++) {
			System.gc();
		}
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

	private static long rssKib() throws IOException {
		for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
			if (line.startsWith("VmRSS:")) {
				return Long.parseLong(line.replaceAll("\\D", ""));
			}
		}
		return -1;
	}

}
