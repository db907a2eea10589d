package dev.pixelpipeline.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.pixelpipeline.config.PipelineProperties;
import dev.pixelpipeline.support.DeploySettings;
import dev.pixelpipeline.support.GcloudParser;
import dev.pixelpipeline.support.RequiredTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.FileSystemResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One name for each thing: {@code deploy/settings.env} is the only source of the Pub/Sub
 * names and the delivery numbers, and the docs, {@code deploy/setup.sh},
 * {@code deploy/cloud-run.yaml}, the Helm chart, the monitoring files and the
 * application's defaults agree with it. Each check names the file, line and setting that
 * drifted.
 */
class DeploySettingsTests {

	private static final Map<String, String> SETTINGS = DeploySettings.load();

	/** gcloud flags whose value is one setting wherever they are written. */
	private static final Map<String, String> FLAG_SETTINGS = Map.of("--ack-deadline", "ACK_DEADLINE",
			"--min-retry-delay", "MIN_BACKOFF", "--max-retry-delay", "MAX_BACKOFF", "--max-delivery-attempts",
			"MAX_DELIVERY_ATTEMPTS", "--dead-letter-topic", "UNDELIVERABLE_TOPIC", "--concurrency",
			"CONTAINER_CONCURRENCY", "--timeout", "REQUEST_TIMEOUT");

	/**
	 * The pages that state the Pub/Sub names and the delivery numbers: the commands and
	 * the manifest (deploy), the subscription settings table (delivery) and the settings
	 * table (configuration). They were the README's sections until the README became a
	 * map.
	 */
	private static final List<Path> DOCS = List.of(Path.of("docs/deploy.md"), Path.of("docs/delivery.md"),
			Path.of("docs/configuration.md"));

	/** Environment variables of the service that carry a setting. */
	private static final Map<String, String> ENV_SETTINGS = Map.of("PIPELINE_PUSH_DEADLINE", "PUSH_DEADLINE");

	private static final Pattern FLAG = Pattern
		.compile("(--[a-z][a-z-]*)=(?:projects/[^/\\s`]+/topics/)?([A-Za-z0-9._~%+-]+)");

	private static final Pattern KEY_VALUE = Pattern.compile("(?<![A-Za-z0-9_])([A-Z][A-Z0-9_]*)=([^\\s`,;)'\"|]+)");

	private static final String NAME = "([a-z][a-z0-9._~%+-]*[a-z0-9])";

	private static final List<Pattern> TOPIC_NAMES = List.of(Pattern.compile("topics/" + NAME),
			Pattern.compile("--(?:dead-letter-)?topic=" + NAME),
			Pattern.compile("topics\\s+(?:create|describe|delete|publish|add-iam-policy-binding)\\s+" + NAME),
			Pattern.compile("\\btopic `" + NAME + "`"));

	private static final List<Pattern> SUBSCRIPTION_NAMES = List.of(Pattern.compile("subscriptions/" + NAME),
			Pattern.compile(
					"subscriptions\\s+(?:create|pull|describe|update|delete|seek|add-iam-policy-binding)\\s+" + NAME),
			Pattern.compile("subscription_id=\\\\?\"" + NAME), Pattern.compile("\\bsubscription `" + NAME + "`"));

	@Test
	void settingsAreCoherent() {
		Duration pushDeadline = duration("PUSH_DEADLINE");
		Duration ackDeadline = Duration.ofSeconds(number("ACK_DEADLINE"));
		Duration requestTimeout = Duration.ofSeconds(number("REQUEST_TIMEOUT"));
		assertThat(pushDeadline).as("PUSH_DEADLINE below ACK_DEADLINE: every push answered before Pub/Sub gives up")
			.isLessThan(ackDeadline);
		assertThat(ackDeadline).as("ACK_DEADLINE below REQUEST_TIMEOUT: Cloud Run never cuts a push Pub/Sub awaits")
			.isLessThan(requestTimeout);
		assertThat(number("ACK_DEADLINE")).as("Pub/Sub's ack deadline range").isBetween(10, 600);
		assertThat(number("REQUEST_TIMEOUT")).as("Cloud Run's request timeout range").isBetween(1, 3600);
		assertThat(duration("MIN_BACKOFF")).as("MIN_BACKOFF up to MAX_BACKOFF")
			.isLessThanOrEqualTo(duration("MAX_BACKOFF"));
		assertThat(duration("MAX_BACKOFF")).as("Pub/Sub's largest retry delay")
			.isLessThanOrEqualTo(Duration.ofMinutes(10));
		assertThat(number("MAX_DELIVERY_ATTEMPTS")).as("Pub/Sub's delivery attempts range").isBetween(5, 100);
		for (String retention : List.of("MESSAGE_RETENTION", "PARKED_RETENTION")) {
			assertThat(duration(retention)).as("%s within Pub/Sub's subscription retention", retention)
				.isBetween(Duration.ofMinutes(10), Duration.ofDays(31));
		}
		assertThat(number("CONTAINER_CONCURRENCY")).as("Cloud Run's concurrency range").isBetween(1, 1000);
		List<String> names = List.of(setting("TOPIC"), setting("BAD_ROWS_TOPIC"), setting("UNDELIVERABLE_TOPIC"));
		assertThat(names).as("three different topics").doesNotHaveDuplicates();
		assertThat(List.of(setting("SUBSCRIPTION"), setting("PULL_SUBSCRIPTION"), setting("BAD_ROWS_SUBSCRIPTION"),
				setting("UNDELIVERABLE_SUBSCRIPTION")))
			.as("four different subscriptions")
			.doesNotHaveDuplicates();
	}

	@Test
	void applicationDefaultsAgree() throws IOException {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
		environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
		YamlPropertySourceLoader loader = new YamlPropertySourceLoader();
		// The gcp profile, as deployed: its file wins over the defaults.
		for (String file : List.of("application-gcp.yml", "application.yml")) {
			for (PropertySource<?> source : loader.load(file, new FileSystemResource("src/main/resources/" + file))) {
				environment.getPropertySources().addLast(source);
			}
		}
		// What the chart and Cloud Run both set; the push deadline is left to the
		// default.
		environment.getPropertySources()
			.addFirst(new MapPropertySource("deployment",
					Map.of("pipeline.dead-letter.topic", "projects/demo-project/topics/" + setting("BAD_ROWS_TOPIC"),
							"pipeline.push.auth.audience", "demo-audience", "pipeline.push.auth.service-accounts",
							"push@demo-project.iam.gserviceaccount.com")));
		PipelineProperties properties = bind(environment);
		assertThat(properties.push().deadline())
			.as("default pipeline.push.deadline of the gcp profile (the chart) = PUSH_DEADLINE")
			.isEqualTo(duration("PUSH_DEADLINE"));

		// Cloud Run: the rendered container's environment, bound as Spring binds it.
		environment.getPropertySources()
			.addFirst(new SystemEnvironmentPropertySource("cloud-run", new HashMap<>(env(cloudRun(Map.of())))));
		PipelineProperties onCloudRun = bind(environment);
		assertThat(onCloudRun.push().deadline()).as("pipeline.push.deadline on Cloud Run = PUSH_DEADLINE")
			.isEqualTo(duration("PUSH_DEADLINE"));
		assertThat(onCloudRun.deadLetter().topic()).as("pipeline.dead-letter.topic on Cloud Run")
			.isEqualTo("projects/demo-project/topics/" + setting("BAD_ROWS_TOPIC"));
		Duration asyncTimeout = Binder.get(environment)
			.bind("spring.mvc.async.request-timeout", Duration.class)
			.orElseThrow(() -> new AssertionError("application.yml sets no spring.mvc.async.request-timeout"));
		assertThat(asyncTimeout).as("the servlet's async timeout leaves the push deadline to the app")
			.isGreaterThan(duration("PUSH_DEADLINE"));
	}

	/**
	 * Binds {@code pipeline.*} from exactly these property sources the way the
	 * application does ({@code @EnableConfigurationProperties}, with validation), so the
	 * record is built through its constructor as in production, whatever other tests left
	 * in this JVM.
	 */
	private static PipelineProperties bind(StandardEnvironment source) {
		AtomicReference<PipelineProperties> bound = new AtomicReference<>();
		new ApplicationContextRunner().withInitializer((context) -> {
			MutablePropertySources target = context.getEnvironment().getPropertySources();
			target.remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
			target.remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
			source.getPropertySources().forEach(target::addLast);
		}).withUserConfiguration(BindPipelineProperties.class).run((context) -> {
			assertThat(context).hasNotFailed();
			bound.set(context.getBean(PipelineProperties.class));
		});
		return bound.get();
	}

	@EnableConfigurationProperties(PipelineProperties.class)
	static class BindPipelineProperties {

	}

	@Test
	void cloudRunManifestTakesEachSettingFromTheFile() {
		assertThat(cloudRunSettings(Map.of())).as("deploy/cloud-run.yaml as setup.sh renders it")
			.containsExactly(number("CONTAINER_CONCURRENCY"), number("REQUEST_TIMEOUT"),
					"projects/demo-project/topics/" + setting("BAD_ROWS_TOPIC"), setting("PUSH_DEADLINE"));
		// Changed settings reach the manifest: no value is written there by hand.
		assertThat(cloudRunSettings(Map.of("CONTAINER_CONCURRENCY", "7", "REQUEST_TIMEOUT", "59", "BAD_ROWS_TOPIC",
				"other-bad-rows", "PUSH_DEADLINE", "8s")))
			.as("deploy/cloud-run.yaml rendered with other settings")
			.containsExactly(7, 59, "projects/demo-project/topics/other-bad-rows", "8s");
	}

	@Test
	void setupTakesEverySettingFromTheFile() throws Exception {
		Map<String, String> changed = new LinkedHashMap<>();
		SETTINGS.forEach((key, value) -> changed.put(key, value.matches("[a-z].*") ? value + "-changed" : value));
		changed.putAll(Map.of("PUSH_DEADLINE", "8s", "ACK_DEADLINE", "31", "REQUEST_TIMEOUT", "61", "MIN_BACKOFF",
				"11s", "MAX_BACKOFF", "599s", "MAX_DELIVERY_ATTEMPTS", "11", "MESSAGE_RETENTION", "6d",
				"PARKED_RETENTION", "30d", "CONTAINER_CONCURRENCY", "81", "LAYOUT", "partitioned"));
		assertThat(changed).as("every setting changed")
			.allSatisfy((key, value) -> assertThat(value).as(key).isNotEqualTo(SETTINGS.get(key)));
		String output = dryRun(changed);
		String relevant = output.lines()
			.filter((line) -> line.contains("pubsub") || line.contains("containerConcurrency:")
					|| line.contains("timeoutSeconds:") || line.contains("value: "))
			.collect(Collectors.joining("\n"));
		assertThat(relevant).as("setup.sh --dry-run with every setting changed")
			.contains("gcloud pubsub subscriptions create pixel-pipeline-push-changed --topic=pixel-lb-logs-changed",
					"--ack-deadline=31 --min-retry-delay=11s --max-retry-delay=599s"
							+ " --dead-letter-topic=pixel-undeliverable-changed --max-delivery-attempts=11"
							+ " --message-retention-duration=6d --expiration-period=never",
					"gcloud pubsub subscriptions create pixel-bad-rows-changed --topic=pixel-bad-rows-changed"
							+ " --expiration-period=never --message-retention-duration=30d --ack-deadline=31",
					"gcloud pubsub subscriptions create pixel-undeliverable-changed --topic=pixel-undeliverable-changed",
					"containerConcurrency: 81", "timeoutSeconds: 61", "value: 8s",
					"value: projects/demo-project/topics/pixel-bad-rows-changed");
		assertThat(output).as("setup.sh --dry-run with the BigQuery layout settings changed")
			.contains("--clustering_fields=user_id,type-changed ", "demo-project:pixel_tracking.pixel_events-changed\n",
					"demo-project:pixel_tracking.deduplicated_pixel_events-changed",
					"FROM `demo-project.pixel_tracking.pixel_events-changed`", "value: partitioned",
					"value: pixel_events-changed", "value: \"user_id,type-changed\"");
		List<String> names = new ArrayList<>();
		for (Pattern pattern : Stream.concat(TOPIC_NAMES.stream(), SUBSCRIPTION_NAMES.stream()).toList()) {
			pattern.matcher(output).results().forEach((match) -> names.add(match.group(1)));
		}
		assertThat(names).as("topics and subscriptions setup.sh names")
			.isNotEmpty()
			.allMatch((name) -> name.endsWith("-changed"), "taken from the settings, none written by hand");
	}

	@Test
	void docsAgree() throws IOException {
		Map<String, String> docs = docs();
		List<String> problems = new ArrayList<>();
		docs.forEach((file, text) -> problems.addAll(drift(file, text)));
		problems.addAll(drift("README.md", Files.readString(Path.of("README.md"))));

		// Prose that states a number of settings.env; each statement must be found.
		expect(problems, docs, "(\\d+) s ack deadline", "ACK_DEADLINE", String::valueOf);
		expect(problems, docs, "(\\d+) s push deadline", "PUSH_DEADLINE", DeploySettingsTests::seconds);
		expect(problems, docs, "`pipeline\\.push\\.deadline` \\((\\d+) s\\)", "PUSH_DEADLINE",
				DeploySettingsTests::seconds);
		expect(problems, docs, "\\| `pipeline\\.push\\.deadline` \\| `([^`]+)` \\|", "PUSH_DEADLINE", String::valueOf);
		expect(problems, docs, "request timeout (?:of )?\\(?(\\d+) s", "REQUEST_TIMEOUT", String::valueOf);
		expect(problems, docs, "`containerConcurrency: (\\d+)`", "CONTAINER_CONCURRENCY", String::valueOf);

		// The subscription settings table: `--flag` / `--flag` | `value` / `value`.
		Map<String, String> expected = new LinkedHashMap<>();
		FLAG_SETTINGS.forEach((flag, key) -> expected.put(flag, setting(key)));
		expected.put("--message-retention-duration", setting("MESSAGE_RETENTION"));
		expected.put("--expiration-period", "never");
		expected.remove("--concurrency");
		expected.remove("--timeout");
		Set<String> rows = new HashSet<>();
		docs.forEach((file, text) -> {
			Matcher row = Pattern
				.compile("(?m)^\\| (`--[a-z-]+`(?: / `--[a-z-]+`)*) \\| (`[^`|]+`(?: / `[^`|]+`)*) \\|")
				.matcher(text);
			while (row.find()) {
				String[] flags = row.group(1).replace("`", "").split(" / ");
				String[] values = row.group(2).replace("`", "").split(" / ");
				for (int i = 0; i < flags.length && i < values.length; i++) {
					rows.add(flags[i]);
					if (expected.containsKey(flags[i]) && !expected.get(flags[i]).equals(values[i])) {
						problems.add(at(file, text, row.start(), "settings table: " + flags[i] + " " + values[i]
								+ ", but setup.sh uses " + expected.get(flags[i])));
					}
				}
			}
		});
		expected.keySet()
			.stream()
			.filter((flag) -> !rows.contains(flag))
			.forEach((flag) -> problems.add(DOCS + ": the subscription settings table has no row for " + flag));

		// Every manual subscription command keeps its subscription forever and parks
		// undeliverable messages where setup.sh does.
		int commands = 0;
		for (Map.Entry<String, String> doc : docs.entrySet()) {
			String file = doc.getKey();
			String text = doc.getValue();
			Matcher create = Pattern.compile("gcloud pubsub subscriptions create").matcher(text);
			while (create.find()) {
				String command = command(text, create.start()).replaceAll("\\s+", " ");
				commands++;
				if (!command.contains("--expiration-period=never")) {
					problems.add(at(file, text, create.start(),
							"subscription without --expiration-period=never: " + command));
				}
				if (command.contains("--topic=" + setting("TOPIC") + " ")
						&& !command.contains("--dead-letter-topic=")) {
					problems.add(at(file, text, create.start(),
							"subscription on the log topic without a dead-letter topic: " + command));
				}
			}
		}
		assertThat(commands).as("subscription commands in %s", DOCS).isPositive();
		String all = String.join("\n", docs.values());
		for (String key : List.of("TOPIC", "SUBSCRIPTION", "PULL_SUBSCRIPTION", "BAD_ROWS_TOPIC", "UNDELIVERABLE_TOPIC",
				"BAD_ROWS_SUBSCRIPTION", "UNDELIVERABLE_SUBSCRIPTION")) {
			assertThat(all).as("%s name %s", DOCS, key).contains(setting(key));
		}
		assertThat(problems).as("%s disagree with deploy/settings.env", DOCS).isEmpty();
	}

	@Test
	void docsPubSubCommandsPassGcloudsParser(@TempDir Path temp) throws IOException {
		RequiredTools.current()
			.check(GcloudParser.installed(), "gcloud", "not on the PATH",
					"the Google Cloud SDK (https://cloud.google.com/sdk/docs/install)");
		List<List<String>> commands = new ArrayList<>();
		for (String text : docs().values()) {
			Matcher start = Pattern.compile("gcloud pubsub ").matcher(text);
			while (start.find()) {
				String command = command(text, start.start()).replaceAll("\\\\\n", " ")
					.replaceFirst("\\s+#.*", "")
					.replaceAll("\\s+", " ")
					.strip();
				commands.add(GcloudParser.shellWords(command));
			}
		}
		assertThat(commands).as("the Pub/Sub commands of %s", DOCS)
			.anyMatch((argv) -> argv.contains("create") && argv.contains("--expiration-period=never"));
		GcloudParser gcloud = new GcloudParser(temp);
		assertThat(gcloud.refusals(commands)).as("Pub/Sub commands of %s %s refuses", DOCS, gcloud.version()).isEmpty();
	}

	@Test
	void chartMonitoringAndManifestNameOnlyTheseTopicsAndSubscriptions() throws IOException {
		List<String> problems = new ArrayList<>();
		List<Path> files = new ArrayList<>(List.of(Path.of("deploy/cloud-run.yaml")));
		for (String directory : List.of("helm", "deploy/monitoring")) {
			try (Stream<Path> walk = Files.walk(Path.of(directory))) {
				walk.filter(Files::isRegularFile).sorted().forEach(files::add);
			}
		}
		for (Path file : files) {
			problems.addAll(drift(file.toString(), Files.readString(file, StandardCharsets.UTF_8)));
		}
		assertThat(problems).as("files that disagree with deploy/settings.env").isEmpty();
		String values = Files.readString(Path.of("helm/pixel-pipeline/values.yaml"));
		assertThat(values).as("the chart's examples")
			.contains("topics/" + setting("BAD_ROWS_TOPIC"), "subscriptions/" + setting("PULL_SUBSCRIPTION"));
		// The names the chart's install notes print, and its BigQuery defaults.
		assertThat(values).as("helm/pixel-pipeline/values.yaml")
			.contains("\n  logTopic: " + setting("TOPIC") + "\n",
					"\n  undeliverableTopic: " + setting("UNDELIVERABLE_TOPIC") + "\n",
					"\n  undeliverableSubscription: " + setting("UNDELIVERABLE_SUBSCRIPTION") + "\n",
					"\n  parkedRetention: " + setting("PARKED_RETENTION") + "\n",
					"\n  layout: " + setting("LAYOUT") + "\n", "\n  table: " + setting("EVENTS_TABLE") + "\n",
					"\n  clustering:\n" + Stream.of(setting("CLUSTERING").split(","))
						.map((column) -> "    - " + column + "\n")
						.collect(Collectors.joining()));
		// The monitoring files take the subscription from settings.env, as setup.sh
		// renders them.
		for (String file : List.of("deploy/monitoring/alerts/dead-letter-backlog.json",
				"deploy/monitoring/dashboard.json")) {
			assertThat(Files.readString(Path.of(file))).as("%s watches the undeliverable subscription", file)
				.contains("subscription_id=\\\"${UNDELIVERABLE_SUBSCRIPTION}\\\"")
				.doesNotContain("subscription_id=\\\"" + setting("UNDELIVERABLE_SUBSCRIPTION") + "\\\"");
		}
	}

	@Test
	void driftIsReportedWithFileLineAndSetting() {
		String text = String.join("\n", "ok", "gcloud pubsub subscriptions create pixel-dead-letter --ack-deadline=20",
				"ACK_DEADLINE=20 and --topic=pixel-logs", "PIPELINE_PUSH_DEADLINE=10s");
		assertThat(drift("notes.md", text)).containsExactlyInAnyOrder(
				"notes.md:2: --ack-deadline=20, but settings.env has ACK_DEADLINE=" + setting("ACK_DEADLINE"),
				"notes.md:2: subscription pixel-dead-letter is none of settings.env's subscriptions",
				"notes.md:3: ACK_DEADLINE=20, but settings.env has ACK_DEADLINE=" + setting("ACK_DEADLINE"),
				"notes.md:3: topic pixel-logs is none of settings.env's topics",
				"notes.md:4: PIPELINE_PUSH_DEADLINE=10s, but settings.env has PUSH_DEADLINE="
						+ setting("PUSH_DEADLINE"));
	}

	/**
	 * Everything in a text that contradicts settings.env: a gcloud flag or a
	 * {@code KEY=value} with another value, a topic or subscription name it does not
	 * define.
	 */
	static List<String> drift(String file, String text) {
		List<String> problems = new ArrayList<>();
		Matcher flag = FLAG.matcher(text);
		while (flag.find()) {
			String key = FLAG_SETTINGS.get(flag.group(1));
			String value = flag.group(2);
			if (key != null && !value.equals(setting(key))) {
				problems.add(at(file, text, flag.start(),
						flag.group(1) + "=" + value + ", but settings.env has " + key + "=" + setting(key)));
			}
			if (flag.group(1).equals("--message-retention-duration")
					&& !Set.of(setting("MESSAGE_RETENTION"), setting("PARKED_RETENTION")).contains(value)) {
				problems.add(at(file, text, flag.start(), "--message-retention-duration=" + value
						+ " is neither MESSAGE_RETENTION nor PARKED_RETENTION of settings.env"));
			}
			if (flag.group(1).equals("--expiration-period") && !value.equals("never")) {
				problems
					.add(at(file, text, flag.start(), "--expiration-period=" + value + ": subscriptions never expire"));
			}
		}
		Matcher keyValue = KEY_VALUE.matcher(text);
		while (keyValue.find()) {
			String key = ENV_SETTINGS.getOrDefault(keyValue.group(1), keyValue.group(1));
			if (SETTINGS.containsKey(key) && !keyValue.group(2).equals(setting(key))) {
				problems.add(at(file, text, keyValue.start(), keyValue.group(1) + "=" + keyValue.group(2)
						+ ", but settings.env has " + key + "=" + setting(key)));
			}
		}
		Set<String> topics = Set.of(setting("TOPIC"), setting("BAD_ROWS_TOPIC"), setting("UNDELIVERABLE_TOPIC"));
		Set<String> subscriptions = Set.of(setting("SUBSCRIPTION"), setting("PULL_SUBSCRIPTION"),
				setting("BAD_ROWS_SUBSCRIPTION"), setting("UNDELIVERABLE_SUBSCRIPTION"));
		names(problems, file, text, TOPIC_NAMES, topics, "topic");
		names(problems, file, text, SUBSCRIPTION_NAMES, subscriptions, "subscription");
		return problems.stream().distinct().toList();
	}

	private static void names(List<String> problems, String file, String text, List<Pattern> patterns,
			Set<String> known, String kind) {
		for (Pattern pattern : patterns) {
			Matcher matcher = pattern.matcher(text);
			while (matcher.find()) {
				if (!known.contains(matcher.group(1))) {
					problems.add(at(file, text, matcher.start(),
							kind + " " + matcher.group(1) + " is none of settings.env's " + kind + "s"));
				}
			}
		}
	}

	private static void expect(List<String> problems, Map<String, String> docs, String regex, String key,
			Function<String, String> asWritten) {
		int found = 0;
		for (Map.Entry<String, String> doc : docs.entrySet()) {
			Matcher matcher = Pattern.compile(regex).matcher(doc.getValue());
			while (matcher.find()) {
				found++;
				String wanted = asWritten.apply(setting(key));
				if (!matcher.group(1).equals(wanted)) {
					problems.add(at(doc.getKey(), doc.getValue(), matcher.start(),
							"'" + matcher.group() + "', but settings.env has " + key + "=" + setting(key)));
				}
			}
		}
		if (found == 0) {
			problems.add(DOCS + ": no statement matching /" + regex + "/ (" + key + ") any more: update this test");
		}
	}

	/** Each of {@link #DOCS} by its path. */
	private static Map<String, String> docs() throws IOException {
		Map<String, String> docs = new LinkedHashMap<>();
		for (Path doc : DOCS) {
			docs.put(doc.toString(), Files.readString(doc));
		}
		return docs;
	}

	/**
	 * A command from its start to its end: the closing backtick, or the end of its code
	 * block line.
	 */
	private static String command(String text, int start) {
		int fence = 0;
		for (int i = text.indexOf("```"); i >= 0 && i < start; i = text.indexOf("```", i + 3)) {
			fence++;
		}
		if (fence % 2 == 0) {
			int close = text.indexOf('`', start);
			return text.substring(start, (close < 0) ? text.length() : close) + " ";
		}
		Matcher end = Pattern.compile("(?<!\\\\)\\n").matcher(text);
		return text.substring(start, end.find(start) ? end.start() : text.length()) + " ";
	}

	private static String at(String file, String text, int index, String message) {
		int line = 1;
		for (int i = 0; i < index; i++) {
			if (text.charAt(i) == '\n') {
				line++;
			}
		}
		return file + ":" + line + ": " + message;
	}

	private static String setting(String key) {
		String value = SETTINGS.get(key);
		assertThat(value).as("%s in %s", key, DeploySettings.FILE).isNotNull();
		return value;
	}

	private static int number(String key) {
		return Integer.parseInt(setting(key));
	}

	private static Duration duration(String key) {
		return DurationStyle.SIMPLE.parse(setting(key));
	}

	private static String seconds(String duration) {
		return String.valueOf(DurationStyle.SIMPLE.parse(duration).toSeconds());
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> cloudRun(Map<String, String> changed) {
		Map<String, String> variables = new HashMap<>(changed);
		variables.put("PROJECT_ID", "demo-project");
		return new Yaml().load(DeploySettings.render(Path.of("deploy/cloud-run.yaml"), variables));
	}

	/**
	 * containerConcurrency, timeoutSeconds, PIPELINE_DEADLETTER_TOPIC and
	 * PIPELINE_PUSH_DEADLINE of the rendered manifest.
	 */
	private static List<Object> cloudRunSettings(Map<String, String> changed) {
		Map<String, Object> service = cloudRun(changed);
		Map<String, String> env = env(service);
		return List.of(containerSpec(service).get("containerConcurrency"), containerSpec(service).get("timeoutSeconds"),
				env.get("PIPELINE_DEADLETTER_TOPIC"), env.get("PIPELINE_PUSH_DEADLINE"));
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> containerSpec(Map<String, Object> service) {
		Map<String, Object> spec = (Map<String, Object>) service.get("spec");
		Map<String, Object> template = (Map<String, Object>) spec.get("template");
		return (Map<String, Object>) template.get("spec");
	}

	@SuppressWarnings("unchecked")
	private static Map<String, String> env(Map<String, Object> service) {
		List<Map<String, Object>> containers = (List<Map<String, Object>>) containerSpec(service).get("containers");
		Map<String, String> env = new LinkedHashMap<>();
		for (Map<String, Object> variable : (List<Map<String, Object>>) containers.get(0).get("env")) {
			env.put((String) variable.get("name"), String.valueOf(variable.get("value")));
		}
		return env;
	}

	private static String dryRun(Map<String, String> variables) throws Exception {
		ProcessBuilder builder = new ProcessBuilder("bash", "deploy/setup.sh", "--dry-run").redirectErrorStream(true);
		Map<String, String> environment = builder.environment();
		String path = environment.get("PATH");
		environment.clear();
		environment.put("PATH", path);
		environment.putAll(variables);
		environment
			.putAll(Map.of("PROJECT_ID", "demo-project", "PROJECT_NUMBER", "4242", "MONITORING_DIR", "/nonexistent"));
		Process process = builder.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
		assertThat(process.exitValue()).as(output).isZero();
		return output;
	}

}
