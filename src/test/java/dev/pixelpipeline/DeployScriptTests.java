package dev.pixelpipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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

	private static final Map<String, String> ENV = Map.of("PROJECT_ID", "demo-project", "PROJECT_NUMBER", "4242",
			"REGION", "europe-west4", "URL_MAP", "demo-map", "DOMAIN", "track.example.com", "SERVICE", "demo-service");

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
				"gcloud pubsub topics create pixel-dead-letter", "gcloud logging sinks create pixel-lb-logs",
				"gcloud pubsub topics add-iam-policy-binding pixel-lb-logs", "mk --dataset",
				"mk --table '--description=Template of the pixel tables (insertAll templateSuffix)'",
				"gcloud iam service-accounts create pixel-pipeline-run",
				"add-iam-policy-binding --dataset --member=serviceAccount:pixel-pipeline-run@demo-project.iam.gserviceaccount.com --role=roles/bigquery.dataEditor demo-project:pixel_tracking",
				"gcloud builds submit", "gcloud run services replace",
				"gcloud run services add-iam-policy-binding demo-service",
				"gcloud pubsub subscriptions create pixel-pipeline-push --topic=pixel-lb-logs",
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
				"--max-retry-delay=600s", "--dead-letter-topic=pixel-dead-letter", "--max-delivery-attempts=10");
		assertThat(line(changes, "mk --table")).endsWith("demo-project:pixel_tracking.pixel "
				+ Paths.get("").toAbsolutePath().resolve("src/main/resources/bigquery/pixel-template-schema.json"));
		assertThat(changes).contains(
				"gcloud projects add-iam-policy-binding demo-project --member=serviceAccount:pixel-pipeline-run@demo-project.iam.gserviceaccount.com --role=roles/monitoring.metricWriter --condition=None --quiet",
				"gcloud projects add-iam-policy-binding demo-project --member=serviceAccount:pixel-pipeline-run@demo-project.iam.gserviceaccount.com --role=roles/logging.logWriter --condition=None --quiet",
				"gcloud pubsub topics add-iam-policy-binding pixel-dead-letter --member=serviceAccount:pixel-pipeline-run@demo-project.iam.gserviceaccount.com --role=roles/pubsub.publisher --project=demo-project",
				"gcloud pubsub topics add-iam-policy-binding pixel-dead-letter --member=serviceAccount:service-4242@gcp-sa-pubsub.iam.gserviceaccount.com --role=roles/pubsub.publisher --project=demo-project",
				"gcloud pubsub subscriptions add-iam-policy-binding pixel-pipeline-push --member=serviceAccount:service-4242@gcp-sa-pubsub.iam.gserviceaccount.com --role=roles/pubsub.subscriber --project=demo-project",
				"gcloud run services add-iam-policy-binding demo-service --region=europe-west4 --member=serviceAccount:pixel-pipeline-push@demo-project.iam.gserviceaccount.com --role=roles/run.invoker --project=demo-project");
		assertThat(changes).as("the push identity gets no data access")
			.noneMatch((line) -> line.contains("pixel-pipeline-push@") && line.contains("bigquery"));
		assertThat(changes).as("no project-wide editor or owner role")
			.noneMatch((line) -> line.contains("roles/editor") || line.contains("roles/owner"));

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
					"value: projects/demo-project/topics/pixel-dead-letter", "containerConcurrency: 80",
					"timeoutSeconds: 60", "name: demo-service", "value: \"_{user_id}_{date}\"")
			.containsPattern("name: GOOGLE_CLOUD_PROJECT\\n#\\s+value: demo-project\\n")
			.doesNotContainPattern("\\$\\{[A-Z_]+\\}");
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
			.noneMatch((line) -> line.contains("gcloud storage rm"));

		Result all = run(List.of("deploy/teardown.sh", "--dry-run"), Map.of("DELETE_DATA", "true"));
		assertThat(all.changes()).contains(
				"bq --project_id=demo-project rm -r -f --dataset demo-project:pixel_tracking",
				"gcloud storage rm --recursive gs://demo-project-pixel --project=demo-project");
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
			.check(onPath("shellcheck"), "shellcheck", "not on the PATH", "apt-get install shellcheck (Debian)");
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

	private static boolean onPath(String command) {
		String path = System.getenv("PATH");
		if (path == null) {
			return false;
		}
		for (String directory : path.split(java.io.File.pathSeparator)) {
			if (Files.isExecutable(Paths.get(directory, command))) {
				return true;
			}
		}
		return false;
	}

	private Result run(List<String> command, Map<String, String> extraEnv) throws Exception {
		List<String> full = new ArrayList<>();
		if (command.get(0).endsWith(".sh")) {
			full.add("bash");
		}
		full.addAll(command);
		ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true);
		Map<String, String> environment = builder.environment();
		environment.keySet()
			.removeIf((name) -> List
				.of("BUCKET", "DATASET", "TOPIC", "IMAGE", "SUBSCRIPTION", "MONITORING_DIR", "DELETE_DATA",
						"BUILD_IMAGE", "SCHEMA_FILE")
				.contains(name));
		environment.putAll(ENV);
		environment.put("MONITORING_DIR", this.temp.resolve("no-monitoring").toString());
		environment.putAll(extraEnv);
		Process process = builder.start();
		byte[] output = process.getInputStream().readAllBytes();
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
	}

	/** What a script printed and how it ended. */
	record Result(int exitCode, String output) {

		List<String> lines() {
			return this.output.lines().toList();
		}

		/** The commands that would change something, without their "+ " prefix. */
		List<String> changes() {
			return lines().stream().filter((line) -> line.startsWith("+ ")).map((line) -> line.substring(2)).toList();
		}

	}

}
