package dev.pixelpipeline.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pixelpipeline.deploy.DeployScripts.Result;
import dev.pixelpipeline.support.RequiredTools;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs {@code deploy/replay.sh --dry-run}, as a Cloud Run job and {@code --local}, and
 * checks that it replays the undeliverable subscription with the service's settings in
 * pull mode and ends by itself; runs shellcheck on it where it is installed.
 */
class ReplayScriptTests {

	private static final Map<String, String> ENV = Map.of("PROJECT_ID", "demo-project", "REGION", "europe-west4",
			"SERVICE", "demo-service");

	@Test
	void jobDryRunDeploysThePullModeReplayOnTheUndeliverableSubscriptionAndWaitsForIt() throws Exception {
		Result result = run(List.of("deploy/replay.sh", "--dry-run"), Map.of());
		assertThat(result.exitCode()).as(result.output()).isZero();
		List<String> changes = result.changes();

		assertThat(changes).hasSize(3);
		assertThat(changes.get(0)).isEqualTo(
				"gcloud pubsub subscriptions add-iam-policy-binding pixel-undeliverable --member=serviceAccount:pixel-pipeline-run@demo-project.iam.gserviceaccount.com --role=roles/pubsub.subscriber --project=demo-project");
		assertThat(changes.get(1)).startsWith("gcloud run jobs deploy demo-service-replay "
				+ "--image=europe-west4-docker.pkg.dev/demo-project/pixel/pixel-pipeline:latest --region=europe-west4 "
				+ "--service-account=pixel-pipeline-run@demo-project.iam.gserviceaccount.com")
			.contains("--tasks=1", "--max-retries=0", "--task-timeout=3600s");
		Map<String, String> env = jobEnv(changes.get(1));
		assertThat(env).containsEntry("PIPELINE_INGEST_MODE", "pull")
			.containsEntry("PIPELINE_INGEST_SUBSCRIPTION", "projects/demo-project/subscriptions/pixel-undeliverable")
			.containsEntry("PIPELINE_INGEST_EXITWHENIDLE", "30s")
			.containsEntry("SPRING_PROFILES_ACTIVE", "gcp")
			.containsEntry("PIPELINE_BIGQUERY_DATASET", "pixel_tracking")
			.containsEntry("PIPELINE_TABLE_SUFFIX", "_{user_id}_{date}")
			.containsEntry("PIPELINE_BIGQUERY_LAYOUT", "template-tables")
			.containsEntry("PIPELINE_BIGQUERY_TABLE", "pixel_events")
			.containsEntry("PIPELINE_BIGQUERY_CLUSTERING", "user_id,type")
			.containsEntry("PIPELINE_DEADLETTER_TOPIC", "projects/demo-project/topics/pixel-bad-rows");
		assertThat(env.keySet()).as("the service's settings (deploy/cloud-run.yaml), all of them")
			.containsAll(cloudRunEnvNames());
		assertThat(changes.get(2)).isEqualTo(
				"gcloud run jobs execute demo-service-replay --region=europe-west4 --wait --project=demo-project");
		assertThat(result.lines()).contains(
				"? gcloud pubsub subscriptions describe pixel-undeliverable --project=demo-project",
				"? gcloud run services describe demo-service --region=europe-west4 "
						+ "'--format=value(spec.template.spec.containers[0].image)' --project=demo-project");
	}

	@Test
	void localDryRunRunsThePackagedJarInPullModeWithTheSameSettings() throws Exception {
		Result result = run(List.of("deploy/replay.sh", "--local", "--dry-run"),
				Map.of("JAR", "/opt/pixel/app.jar", "UNDELIVERABLE_SUBSCRIPTION", "after-outage", "REPLAY_IDLE", "1m"));
		assertThat(result.exitCode()).as(result.output()).isZero();
		assertThat(result.changes()).singleElement()
			.satisfies((line) -> assertThat(line).startsWith("env SPRING_PROFILES_ACTIVE=gcp ")
				.contains(" PIPELINE_INGEST_MODE=pull ",
						" PIPELINE_INGEST_SUBSCRIPTION=projects/demo-project/subscriptions/after-outage ",
						" PIPELINE_INGEST_EXITWHENIDLE=1m ", " PORT=0 ")
				.endsWith(" java -jar /opt/pixel/app.jar"));
		assertThat(result.lines()).contains(
				"? gcloud pubsub subscriptions describe after-outage --project=demo-project",
				"? gcloud auth application-default print-access-token");
		assertThat(result.output()).doesNotContain("gcloud run jobs");
	}

	@Test
	void unknownArgumentIsRefused() throws Exception {
		Result result = run(List.of("deploy/replay.sh", "--locale"), Map.of());
		assertThat(result.exitCode()).isEqualTo(2);
		assertThat(result.output()).contains("unknown argument: --locale");
	}

	@Test
	void scriptPassesShellcheck() throws Exception {
		RequiredTools.current()
			.check(DeployScripts.onPath("shellcheck"), "shellcheck", "not on the PATH",
					"apt-get install shellcheck (Debian)");
		Result result = run(List.of("shellcheck", "-x", "deploy/replay.sh"), Map.of());
		assertThat(result.exitCode()).as(result.output()).isZero();
	}

	/** The {@code --set-env-vars} of a {@code gcloud run jobs deploy} line. */
	private static Map<String, String> jobEnv(String line) {
		// gcloud topic escaping: ^;^ makes ';' the separator, so values may hold commas.
		Matcher matcher = Pattern.compile("'?--set-env-vars=\\^;\\^([^']+)'").matcher(line);
		assertThat(matcher.find()).as("--set-env-vars=^;^... in %s", line).isTrue();
		Map<String, String> env = new java.util.LinkedHashMap<>();
		for (String pair : matcher.group(1).split(";")) {
			int equals = pair.indexOf('=');
			env.put(pair.substring(0, equals), pair.substring(equals + 1));
		}
		return env;
	}

	/** The names of the environment variables the Cloud Run service sets. */
	private static Set<String> cloudRunEnvNames() throws Exception {
		Set<String> names = new LinkedHashSet<>();
		Matcher matcher = Pattern.compile("(?m)^\\s*- name: ([A-Z_]+)\\s*$")
			.matcher(Files.readString(Path.of("deploy/cloud-run.yaml")));
		while (matcher.find()) {
			names.add(matcher.group(1));
		}
		assertThat(names).as("env of deploy/cloud-run.yaml").contains("SPRING_PROFILES_ACTIVE");
		return names;
	}

	private static Result run(List<String> command, Map<String, String> extraEnv) throws Exception {
		Map<String, String> env = new HashMap<>(ENV);
		env.putAll(extraEnv);
		return DeployScripts.run(command,
				Set.of("DATASET", "IMAGE", "TABLE_SUFFIX", "LAYOUT", "EVENTS_TABLE", "CLUSTERING", "BAD_ROWS_TOPIC",
						"UNDELIVERABLE_SUBSCRIPTION", "REPLAY_JOB", "REPLAY_IDLE", "REPLAY_TASK_TIMEOUT",
						"REPLAY_IMAGE", "JAR", "JAVA"),
				env);
	}

}
