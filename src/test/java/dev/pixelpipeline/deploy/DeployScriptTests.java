package dev.pixelpipeline.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.pixelpipeline.deploy.DeployScripts.Result;
import dev.pixelpipeline.support.BqFlags;
import dev.pixelpipeline.support.DeploySettings;
import dev.pixelpipeline.support.GcloudParser;
import dev.pixelpipeline.support.RequiredTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs {@code deploy/setup.sh --dry-run} and {@code deploy/teardown.sh --dry-run} with
 * fixed names and checks the commands they would run, in dependency order; runs
 * shellcheck on the scripts (where it is missing, {@link RequiredTools} fails that test
 * in CI and skips it elsewhere).
 */
class DeployScriptTests {

	/** The table schema setup.sh passes to bq, as the dry run prints it. */
	private static final Path SCHEMA_FILE = Paths.get("")
		.toAbsolutePath()
		.resolve("src/main/resources/bigquery/pixel-template-schema.json");

	private static final Map<String, String> ENV = Map.of("PROJECT_ID", "demo-project", "PROJECT_NUMBER", "4242",
			"REGION", "europe-west4", "URL_MAP", "demo-map", "DOMAIN", "track.example.com", "SERVICE", "demo-service");

	/** Names deploy/settings.env sets: a value in the calling environment would win. */
	private static final Set<String> SETTINGS = DeploySettings.load().keySet();

	@TempDir
	Path temp;

	@Test
	void setupDryRunRunsEveryStepInDependencyOrder() throws Exception {
		Path monitoring = monitoringFixtures();
		Result result = run(List.of("deploy/setup.sh", "--dry-run"), Map.of("MONITORING_DIR", monitoring.toString()));
		assertThat(result.exitCode()).as(result.output()).isZero();
		List<String> changes = result.changes();

		assertOrder(changes, "gcloud services enable", "gcloud storage buckets create gs://demo-project-pixel",
				"gcloud storage cp " + Paths.get("").toAbsolutePath().resolve("pixel.png")
						+ " gs://demo-project-pixel/pixel.png",
				"gcloud compute backend-buckets create pixel-backend --gcs-bucket-name=demo-project-pixel --enable-cdn",
				"gcloud compute url-maps create demo-map --default-backend-bucket=pixel-backend",
				"gcloud compute target-http-proxies create pixel-http-proxy --url-map=demo-map",
				"gcloud compute forwarding-rules create pixel-http",
				"gcloud compute ssl-certificates create pixel-cert",
				"gcloud compute target-https-proxies create pixel-https-proxy",
				"gcloud compute forwarding-rules create pixel-https", "gcloud pubsub topics create pixel-lb-logs",
				"gcloud pubsub topics create pixel-bad-rows", "gcloud pubsub topics create pixel-undeliverable",
				"gcloud pubsub subscriptions create pixel-bad-rows --topic=pixel-bad-rows",
				"gcloud pubsub subscriptions create pixel-undeliverable --topic=pixel-undeliverable",
				"gcloud logging sinks create pixel-lb-logs",
				"gcloud pubsub topics add-iam-policy-binding pixel-lb-logs", "mk --dataset",
				"mk --table '--description=Template of the pixel tables (insertAll templateSuffix)'",
				"mk --use_legacy_sql=false '--view=SELECT * EXCEPT(rn) FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY"
						+ " message_id ORDER BY received_at) AS rn FROM `demo-project.pixel_tracking.pixel*` WHERE"
						+ " _TABLE_SUFFIX != ",
				"gcloud iam service-accounts create pixel-pipeline-run",
				"add-iam-policy-binding --dataset --member=serviceAccount:pixel-pipeline-run@demo-project.iam.gserviceaccount.com --role=roles/bigquery.dataEditor demo-project:pixel_tracking",
				"gcloud builds submit", "gcloud run services replace",
				"gcloud run services add-iam-policy-binding demo-service",
				"gcloud pubsub subscriptions create pixel-pipeline-push --topic=pixel-lb-logs",
				"gcloud pubsub topics add-iam-policy-binding pixel-undeliverable --member=serviceAccount:service-4242@",
				"gcloud pubsub subscriptions add-iam-policy-binding pixel-pipeline-push",
				"gcloud monitoring dashboards create", "gcloud alpha monitoring policies create");

		assertThat(line(changes, "gcloud logging sinks create"))
			.contains(
					"'--log-filter=resource.type=\"http_load_balancer\" AND resource.labels.url_map_name=\"demo-map\"'")
			.contains("pubsub.googleapis.com/projects/demo-project/topics/pixel-lb-logs");
		assertThat(line(changes, "gcloud pubsub subscriptions create pixel-pipeline-push")).contains(
				"--push-endpoint=https://demo-service-url.run.app/pubsub/push",
				"--push-auth-service-account=pixel-pipeline-push@demo-project.iam.gserviceaccount.com",
				"--push-auth-token-audience=demo-service-push", "--ack-deadline=30", "--min-retry-delay=10s",
				"--max-retry-delay=600s", "--dead-letter-topic=pixel-undeliverable", "--max-delivery-attempts=10",
				"--message-retention-duration=7d", "--expiration-period=never");
		assertThat(changes).as("bad rows and undeliverable messages are kept apart, 31 days, and never expire")
			.contains(
					"gcloud pubsub subscriptions create pixel-bad-rows --topic=pixel-bad-rows --expiration-period=never --message-retention-duration=31d --ack-deadline=30 --project=demo-project",
					"gcloud pubsub subscriptions create pixel-undeliverable --topic=pixel-undeliverable --expiration-period=never --message-retention-duration=31d --ack-deadline=30 --project=demo-project");
		assertThat(changes.stream().filter((line) -> line.contains("gcloud pubsub subscriptions create")))
			.as("every subscription setup creates never expires")
			.hasSize(3)
			.allMatch((line) -> line.contains(" --expiration-period=never "));
		assertThat(changes).as("a new template table is made with every column, not updated")
			.noneMatch((line) -> line.startsWith("bq ") && line.contains(" update "));
		assertThat(line(changes, "mk --table")).endsWith("demo-project:pixel_tracking.pixel " + SCHEMA_FILE);
		assertThat(changes).contains(
				"gcloud projects add-iam-policy-binding demo-project --member=serviceAccount:pixel-pipeline-run@demo-project.iam.gserviceaccount.com --role=roles/monitoring.metricWriter --condition=None --quiet",
				"gcloud projects add-iam-policy-binding demo-project --member=serviceAccount:pixel-pipeline-run@demo-project.iam.gserviceaccount.com --role=roles/logging.logWriter --condition=None --quiet",
				"gcloud pubsub topics add-iam-policy-binding pixel-bad-rows --member=serviceAccount:pixel-pipeline-run@demo-project.iam.gserviceaccount.com --role=roles/pubsub.publisher --project=demo-project",
				"gcloud pubsub subscriptions add-iam-policy-binding pixel-undeliverable --member=serviceAccount:pixel-pipeline-run@demo-project.iam.gserviceaccount.com --role=roles/pubsub.subscriber --project=demo-project",
				"gcloud pubsub topics add-iam-policy-binding pixel-undeliverable --member=serviceAccount:service-4242@gcp-sa-pubsub.iam.gserviceaccount.com --role=roles/pubsub.publisher --project=demo-project",
				"gcloud pubsub subscriptions add-iam-policy-binding pixel-pipeline-push --member=serviceAccount:service-4242@gcp-sa-pubsub.iam.gserviceaccount.com --role=roles/pubsub.subscriber --project=demo-project",
				"gcloud run services add-iam-policy-binding demo-service --region=europe-west4 --member=serviceAccount:pixel-pipeline-push@demo-project.iam.gserviceaccount.com --role=roles/run.invoker --project=demo-project");
		assertThat(changes).as("the push identity gets no data access")
			.noneMatch((line) -> line.contains("pixel-pipeline-push@") && line.contains("bigquery"));
		assertThat(changes).as("no project-wide editor or owner role")
			.noneMatch((line) -> line.contains("roles/editor") || line.contains("roles/owner"));
		assertThat(changes).as("the service publishes bad rows only; undeliverable messages come from Pub/Sub itself")
			.noneMatch((line) -> line.contains("topics add-iam-policy-binding pixel-undeliverable")
					&& line.contains("pixel-pipeline-run@"))
			.noneMatch((line) -> line.contains("topics add-iam-policy-binding pixel-bad-rows")
					&& line.contains("gcp-sa-pubsub"));

		// Every create is preceded by its read-only check, so a re-run changes nothing
		// that exists.
		List<String> lines = result.lines();
		for (int i = 0; i < lines.size(); i++) {
			String line = lines.get(i);
			if (line.startsWith("+ gcloud") && line.contains(" create ") && !line.contains("dashboards create")
					&& !line.contains("policies create")) {
				assertThat(lines.get(i - 1)).as("check before: %s", line).startsWith("? ").contains("describe");
			}
		}

		// The Cloud Run manifest as applied: every placeholder filled in.
		String manifest = result.output();
		assertThat(manifest)
			.contains("image: europe-west4-docker.pkg.dev/demo-project/pixel/pixel-pipeline:latest",
					"serviceAccountName: pixel-pipeline-run@demo-project.iam.gserviceaccount.com",
					"run.googleapis.com/custom-audiences: '[\"demo-service-push\"]'",
					"value: projects/demo-project/topics/pixel-bad-rows", "containerConcurrency: 250",
					"timeoutSeconds: 60", "name: demo-service", "value: \"_{user_id}_{date}\"")
			.containsPattern("name: GOOGLE_CLOUD_PROJECT\\n#\\s+value: demo-project\\n")
			.containsPattern("name: PIPELINE_PUSH_DEADLINE\\n#\\s+value: 9s\\n")
			.doesNotContainPattern("\\$\\{[A-Z_]+\\}");
	}

	@Test
	void setupDryRunWithTheLayoutPartitionedCreatesOneClusteredTableAndItsDedupView() throws Exception {
		for (Result result : List.of(run(List.of("deploy/setup.sh", "--dry-run", "--layout", "partitioned"), Map.of()),
				run(List.of("deploy/setup.sh", "--dry-run", "--layout=partitioned"), Map.of()),
				run(List.of("deploy/setup.sh", "--dry-run"), Map.of("LAYOUT", "partitioned")))) {
			assertThat(result.exitCode()).as(result.output()).isZero();
			List<String> changes = result.changes();
			assertOrder(changes, "gcloud services enable bigquerystorage.googleapis.com", "mk --dataset",
					"bq --project_id=demo-project mk --table --schema=" + SCHEMA_FILE
							+ " --time_partitioning_type=DAY --time_partitioning_field=event_time"
							+ " --clustering_fields=user_id,type",
					"mk --use_legacy_sql=false", "add-iam-policy-binding --dataset", "gcloud run services replace");
			assertThat(line(changes, "mk --table")).endsWith(" demo-project:pixel_tracking.pixel_events");
			assertThat(line(changes, "mk --use_legacy_sql=false")).isEqualTo("bq --project_id=demo-project mk"
					+ " --use_legacy_sql=false '--view=SELECT * EXCEPT(rn) FROM (SELECT *, ROW_NUMBER() OVER"
					+ " (PARTITION BY message_id, event_time ORDER BY received_at) AS rn"
					+ " FROM `demo-project.pixel_tracking.pixel_events`) WHERE rn = 1'"
					+ " '--description=Pixel hits, one row per message_id'"
					+ " demo-project:pixel_tracking.deduplicated_pixel_events");
			assertThat(changes).as("no template table, no wildcard view")
				.noneMatch((line) -> line.contains("templateSuffix") || line.contains("_TABLE_SUFFIX")
						|| line.contains("deduplicated_pixel "));
			assertThat(result.output()).containsPattern("name: PIPELINE_BIGQUERY_LAYOUT\\n#\\s+value: partitioned\\n")
				.containsPattern("name: PIPELINE_BIGQUERY_TABLE\\n#\\s+value: pixel_events\\n")
				.containsPattern("name: PIPELINE_BIGQUERY_CLUSTERING\\n#\\s+value: \"user_id,type\"\\n")
				.contains("FROM `demo-project.pixel_tracking.pixel_events` ORDER BY event_time");
		}

		// A re-run keeps the table (its partitioning cannot change) and brings its
		// clustering to CLUSTERING and its columns to the schema file's.
		Result again = run(List.of("deploy/setup.sh", "--dry-run", "--layout", "partitioned"),
				Map.of("DRY_RUN_ASSUMES", "present", "CLUSTERING", "type"));
		assertThat(again.exitCode()).as(again.output()).isZero();
		assertThat(again.changes()).noneMatch((line) -> line.startsWith("bq") && line.contains(" mk "))
			.anyMatch((line) -> line.equals("bq --project_id=demo-project update -t --clustering_fields=type"
					+ " demo-project:pixel_tracking.pixel_events " + SCHEMA_FILE));
	}

	@Test
	void theTemplateLayoutStaysTheDefaultAndAnUnknownLayoutIsRefused() throws Exception {
		Result defaults = run(List.of("deploy/setup.sh", "--dry-run"), Map.of());
		assertThat(defaults.exitCode()).as(defaults.output()).isZero();
		assertThat(defaults.output())
			.containsPattern("name: PIPELINE_BIGQUERY_LAYOUT\\n#\\s+value: template-tables\\n");
		assertThat(defaults.changes())
			.noneMatch((line) -> line.contains("pixel_events") || line.contains("bigquerystorage"));

		for (List<String> command : List.of(List.of("deploy/setup.sh", "--dry-run", "--layout", "partition"),
				List.of("deploy/setup.sh", "--dry-run", "--layout"))) {
			Result refused = run(command, Map.of());
			assertThat(refused.exitCode()).as(refused.output()).isEqualTo(2);
			assertThat(refused.output()).contains("template-tables").contains("partitioned");
			assertThat(refused.changes()).isEmpty();
		}
	}

	/**
	 * Every {@code bq} command of the scripts, in both layouts, uses only flags the
	 * installed {@code bq} documents: bq asks for credentials before it parses, so its
	 * help is the offline check.
	 */
	@Test
	void everyBqCommandUsesFlagsBqKnows() throws Exception {
		RequiredTools.current()
			.check(BqFlags.installed(), "bq", "not on the PATH",
					"the Google Cloud SDK (https://cloud.google.com/sdk/docs/install)");
		Map<String, List<String>> commands = new LinkedHashMap<>();
		for (Result result : List.of(run(List.of("deploy/setup.sh", "--dry-run"), Map.of()),
				run(List.of("deploy/setup.sh", "--dry-run"), Map.of("TABLE_SUFFIX", "")),
				run(List.of("deploy/setup.sh", "--dry-run", "--layout", "partitioned"), Map.of()),
				run(List.of("deploy/setup.sh", "--dry-run", "--layout", "partitioned"),
						Map.of("DRY_RUN_ASSUMES", "present")),
				run(List.of("deploy/teardown.sh", "--dry-run"), Map.of("DELETE_DATA", "true")))) {
			assertThat(result.exitCode()).as(result.output()).isZero();
			for (String line : result.lines()) {
				String command = line.replaceFirst("^[+?] ", "");
				if (command.startsWith("bq ")) {
					commands.putIfAbsent(command, GcloudParser.shellWords(command));
				}
			}
		}
		assertThat(commands.keySet()).as("bq commands of setup and teardown")
			.anyMatch((line) -> line.contains(" mk --table --schema="))
			.anyMatch((line) -> line.contains(" update -t --clustering_fields="))
			.anyMatch((line) -> line.contains(" mk --use_legacy_sql=false"));
		BqFlags bq = new BqFlags(Files.createDirectories(this.temp.resolve("bq-config")));
		assertThat(bq.flags("mk")).as("bq help mk").contains("time_partitioning_field", "clustering_fields", "view");
		assertThat(bq.unknown(commands.values())).isEmpty();
	}

	@Test
	void setupReRunBringsExistingSubscriptionsToTheSameSettingsWithoutExpiry() throws Exception {
		Result result = run(List.of("deploy/setup.sh", "--dry-run"), Map.of("DRY_RUN_ASSUMES", "present"));
		assertThat(result.exitCode()).as(result.output()).isZero();
		List<String> changes = result.changes();
		assertThat(changes).noneMatch((line) -> line.contains(" create "));
		List<String> updates = changes.stream()
			.filter((line) -> line.startsWith("gcloud pubsub subscriptions update "))
			.toList();
		assertThat(updates).as("push, bad-rows and undeliverable subscriptions updated")
			.hasSize(3)
			.allMatch((line) -> line.contains(" --expiration-period=never "));
		assertThat(line(updates, "update pixel-pipeline-push ")).contains("--ack-deadline=30",
				"--dead-letter-topic=pixel-undeliverable", "--max-delivery-attempts=10", "--min-retry-delay=10s",
				"--max-retry-delay=600s", "--message-retention-duration=7d");
		assertThat(line(updates, "update pixel-bad-rows ")).contains("--message-retention-duration=31d");
		assertThat(line(updates, "update pixel-undeliverable ")).contains("--message-retention-duration=31d");
		assertThat(changes).as("the existing template table gets the columns added since it was made (NULLABLE)")
			.contains("bq --project_id=demo-project update -t demo-project:pixel_tracking.pixel " + SCHEMA_FILE);
	}

	@Test
	void setupDryRunWithoutDomainCreatesNoCertificateAndImportsTheProjectsMonitoringFiles() throws Exception {
		Path monitoring = Paths.get("deploy/monitoring").toAbsolutePath();
		Result result = run(List.of("deploy/setup.sh", "--dry-run"), Map.of("DOMAIN", "", "BUILD_IMAGE", "false",
				"MONITORING_DIR", monitoring.toString(), "TABLE_SUFFIX", ""));
		assertThat(result.exitCode()).as(result.output()).isZero();
		assertThat(result.changes())
			.noneMatch((line) -> line.contains("ssl-certificates") || line.contains("https-proxy"))
			.noneMatch((line) -> line.contains("gcloud builds submit"));
		assertThat(line(result.changes(), "mk --table")).as("a single table is partitioned and clustered")
			.contains("--time_partitioning_type=DAY --time_partitioning_field=event_time --clustering_fields=user_id");
		assertThat(result.output()).contains("name: PIPELINE_TABLE_SUFFIX\n#                 value: \"\"");
		assertThat(result.changes().stream().filter((line) -> line.contains("monitoring dashboards create")))
			.hasSize(jsonFiles(monitoring));
		assertThat(result.changes().stream().filter((line) -> line.contains("monitoring policies create")))
			.hasSize(jsonFiles(monitoring.resolve("alerts")));
	}

	private static int jsonFiles(Path directory) throws IOException {
		if (!Files.isDirectory(directory)) {
			return 0;
		}
		try (var files = Files.list(directory)) {
			return (int) files.filter((file) -> file.toString().endsWith(".json")).count();
		}
	}

	@Test
	void teardownDryRunDeletesInReverseOrderAndKeepsDataByDefault() throws Exception {
		Result result = run(List.of("deploy/teardown.sh", "--dry-run"),
				Map.of("MONITORING_DIR", monitoringFixtures().toString()));
		assertThat(result.exitCode()).as(result.output()).isZero();
		List<String> changes = result.changes();
		assertOrder(changes, "gcloud pubsub subscriptions delete pixel-pipeline-push", "gcloud logging sinks delete",
				"gcloud run services delete demo-service", "gcloud compute forwarding-rules delete pixel-https",
				"gcloud compute target-https-proxies delete", "gcloud compute forwarding-rules delete pixel-http ",
				"gcloud compute url-maps delete demo-map", "gcloud compute backend-buckets delete",
				"gcloud compute addresses delete", "gcloud iam service-accounts delete");
		assertThat(changes).as("dashboards and alert policies found by display name are deleted")
			.contains("gcloud alpha monitoring policies delete policy-named-pixel-lag --quiet --project=demo-project",
					"gcloud monitoring dashboards delete dashboard-named-pixel-pipeline --quiet --project=demo-project");
		assertThat(changes).noneMatch((line) -> line.contains("bq") && line.contains(" rm "))
			.noneMatch((line) -> line.contains("gcloud storage rm"))
			.as("bad rows and undeliverable messages are data: kept")
			.noneMatch((line) -> line.contains("pixel-bad-rows") || line.contains("pixel-undeliverable"));
		assertThat(result.output()).contains("bad rows pixel-bad-rows/pixel-bad-rows",
				"undeliverable messages pixel-undeliverable/pixel-undeliverable");

		Result all = run(List.of("deploy/teardown.sh", "--dry-run"), Map.of("DELETE_DATA", "true"));
		assertThat(all.changes()).contains(
				"bq --project_id=demo-project rm -r -f --dataset demo-project:pixel_tracking",
				"gcloud storage rm --recursive gs://demo-project-pixel --project=demo-project",
				"gcloud pubsub subscriptions delete pixel-bad-rows --quiet --project=demo-project",
				"gcloud pubsub subscriptions delete pixel-undeliverable --quiet --project=demo-project",
				"gcloud pubsub topics delete pixel-bad-rows --quiet --project=demo-project",
				"gcloud pubsub topics delete pixel-undeliverable --quiet --project=demo-project");
	}

	/**
	 * Each distinct Pub/Sub command of setup (first run and re-run) and teardown goes
	 * through the installed gcloud's own argument parser: with no account configured, a
	 * command whose flags parse stops at "no active account" (exit 1); a flag or value
	 * gcloud does not accept stops it earlier (exit 2, "unrecognized arguments",
	 * "argument --x: ..."). Nothing reaches Google: an empty configuration, no metadata
	 * server, and the Pub/Sub endpoint pointed at a closed local port.
	 */
	@Test
	void everyPubSubCommandPassesGcloudsParser() throws Exception {
		RequiredTools.current()
			.check(GcloudParser.installed(), "gcloud", "not on the PATH",
					"the Google Cloud SDK (https://cloud.google.com/sdk/docs/install)");
		Map<String, List<String>> byShape = new LinkedHashMap<>();
		for (Result result : List.of(run(List.of("deploy/setup.sh", "--dry-run"), Map.of()),
				run(List.of("deploy/setup.sh", "--dry-run"), Map.of("DRY_RUN_ASSUMES", "present")),
				run(List.of("deploy/teardown.sh", "--dry-run"), Map.of("DELETE_DATA", "true")))) {
			assertThat(result.exitCode()).as(result.output()).isZero();
			for (String line : result.changes()) {
				if (line.startsWith("gcloud pubsub ")) {
					List<String> argv = GcloudParser.shellWords(line);
					byShape.putIfAbsent(shape(argv), argv);
				}
			}
		}
		assertThat(byShape.keySet()).as("distinct Pub/Sub commands")
			.contains("gcloud pubsub subscriptions create --ack-deadline --dead-letter-topic --expiration-period"
					+ " --max-delivery-attempts --max-retry-delay --message-retention-duration --min-retry-delay"
					+ " --project --push-auth-service-account --push-auth-token-audience --push-endpoint --topic")
			.anyMatch((shape) -> shape.startsWith("gcloud pubsub subscriptions update ")
					&& shape.contains("--push-endpoint") && shape.contains("--expiration-period"));

		GcloudParser gcloud = new GcloudParser(Files.createDirectories(this.temp.resolve("gcloud-config")));
		assertThat(gcloud.refusals(byShape.values())).as("Pub/Sub commands %s refuses", gcloud.version()).isEmpty();
	}

	/** The command words and the names of its flags, without resource names or values. */
	private static String shape(List<String> argv) {
		List<String> words = new ArrayList<>();
		List<String> flags = new ArrayList<>();
		for (String argument : argv) {
			if (argument.startsWith("--")) {
				flags.add(argument.replaceFirst("=.*", ""));
			}
			else if (flags.isEmpty() && words.size() < 4) {
				words.add(argument);
			}
		}
		flags.sort(null);
		words.addAll(flags);
		return String.join(" ", words);
	}

	@Test
	void printedCommandsSplitBackIntoTheirArguments() {
		assertThat(GcloudParser
			.shellWords("gcloud logging sinks create s '--log-filter=a=\"b c\" AND it'\\''s' --project=p"))
			.containsExactly("gcloud", "logging", "sinks", "create", "s", "--log-filter=a=\"b c\" AND it's",
					"--project=p");
	}

	@Test
	void unknownArgumentIsRefused() throws Exception {
		Result result = run(List.of("deploy/setup.sh", "--dry-rn"), Map.of());
		assertThat(result.exitCode()).isEqualTo(2);
		assertThat(result.output()).contains("unknown argument: --dry-rn");
	}

	@Test
	void scriptsPassShellcheck() throws Exception {
		RequiredTools.current()
			.check(DeployScripts.onPath("shellcheck"), "shellcheck", "not on the PATH",
					"apt-get install shellcheck (Debian)");
		Result result = run(List.of("shellcheck", "-x", "deploy/setup.sh", "deploy/teardown.sh", "deploy/common.sh"),
				Map.of());
		assertThat(result.exitCode()).as(result.output()).isZero();
	}

	private Path monitoringFixtures() throws IOException {
		Path monitoring = Files.createDirectories(this.temp.resolve("monitoring/alerts"));
		Files.writeString(monitoring.resolveSibling("dashboard.json"),
				"{\"displayName\": \"pixel-pipeline\", \"mosaicLayout\": {\"columns\": 12, \"tiles\": []}}");
		Files.writeString(monitoring.resolve("lag.json"),
				"{\"displayName\": \"pixel lag\", \"combiner\": \"OR\", \"conditions\": [{\"displayName\": \"lag p95\"}]}");
		return monitoring.getParent();
	}

	private static void assertOrder(List<String> changes, String... fragments) {
		int previous = -1;
		String previousFragment = "(start)";
		for (String fragment : fragments) {
			int index = -1;
			for (int i = previous + 1; i < changes.size(); i++) {
				if (changes.get(i).contains(fragment)) {
					index = i;
					break;
				}
			}
			assertThat(index).as("'%s' after '%s' in:%n%s", fragment, previousFragment, String.join("\n", changes))
				.isGreaterThan(previous);
			previous = index;
			previousFragment = fragment;
		}
	}

	private static String line(List<String> changes, String fragment) {
		return changes.stream()
			.filter((line) -> line.contains(fragment))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no command with " + fragment));
	}

	private Result run(List<String> command, Map<String, String> extraEnv) throws Exception {
		Set<String> cleared = new HashSet<>(SETTINGS);
		cleared.addAll(List.of("BUCKET", "DATASET", "IMAGE", "MONITORING_DIR", "DELETE_DATA", "BUILD_IMAGE",
				"SCHEMA_FILE", "DRY_RUN_ASSUMES", "PUSH_AUDIENCE", "TABLE_SUFFIX"));
		Map<String, String> env = new HashMap<>(ENV);
		env.put("MONITORING_DIR", this.temp.resolve("no-monitoring").toString());
		env.putAll(extraEnv);
		return DeployScripts.run(command, cleared, env);
	}

}
