package dev.pixelpipeline.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.pixelpipeline.parse.UserAgentClassifier;
import nl.basjes.parse.useragent.UserAgent;
import nl.basjes.parse.useragent.UserAgentAnalyzer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import ua_parser.Client;
import ua_parser.Parser;

/**
 * Nanoseconds per user-agent parse, cached and uncached: uap-java as the pipeline uses
 * it ({@link UserAgentClassifier}: ua-parser, bot patterns, Guava cache) and bare, and
 * Yauaa restricted to the four fields the pipeline needs. "Uncached" makes every user
 * agent new (a counter appended), which is what a flood of distinct agents costs; "cached"
 * cycles through {@link UserAgentProbe#USER_AGENTS}, all in the cache after warm-up.
 * Serial GC and a 384 MiB heap, as in the container. {@code ./mvnw -Pbench
 * test-compile exec:exec -Djmh.args="UserAgentParserBenchmark"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = { "-Xmx384m", "-XX:+UseSerialGC" })
public class UserAgentParserBenchmark {

	@Param({ "pipeline-uap", "yauaa" })
	public String parser;

	private List<String> agents;

	private UserAgentClassifier classifier;

	private Parser uap;

	private UserAgentAnalyzer yauaa;

	private int next;

	private long unique;

	@Setup(Level.Trial)
	public void setUp() {
		this.agents = UserAgentProbe.USER_AGENTS;
		if (this.parser.equals("yauaa")) {
			this.yauaa = UserAgentProbe.yauaa(10_000);
		}
		else {
			this.classifier = UserAgentClassifier.loaded(UserAgentClassifier.DEFAULT_BOT_PATTERNS, 10_000);
			this.uap = new Parser();
		}
	}

	private String nextAgent() {
		String agent = this.agents.get(this.next);
		this.next = (this.next + 1) % this.agents.size();
		return agent;
	}

	@Benchmark
	public Object cached() {
		String agent = nextAgent();
		if (this.yauaa != null) {
			return this.yauaa.parse(agent).getValue(UserAgent.DEVICE_CLASS);
		}
		return this.classifier.classify(agent);
	}

	@Benchmark
	public Object uncached() {
		// A user agent never seen before: one of the table's with a new build number.
		String agent = nextAgent() + " Build/" + (this.unique++);
		if (this.yauaa != null) {
			return this.yauaa.parse(agent).getValue(UserAgent.DEVICE_CLASS);
		}
		return this.classifier.classify(agent);
	}

	/**
	 * uap-java without any cache on the table's user agents as they are (no build number
	 * appended): the library's cost on real agents.
	 */
	@Benchmark
	public Client uncachedBareUapRealAgents() {
		if (this.uap == null) {
			return null;
		}
		return this.uap.parse(nextAgent());
	}

	/** uap-java without the pipeline's cache and patterns: the library's own cost. */
	@Benchmark
	public Client uncachedBareUap() {
		if (this.uap == null) {
			return null;
		}
		return this.uap.parse(nextAgent() + " Build/" + (this.unique++));
	}

}
