package dev.pixelpipeline.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.pixelpipeline.PixelPipelineApplication;
import dev.pixelpipeline.support.BigQueryServer;
import dev.pixelpipeline.support.ContainerEnvironment;
import dev.pixelpipeline.support.DeploySettings;
import dev.pixelpipeline.support.Http;
import dev.pixelpipeline.support.PipelineApp;
import dev.pixelpipeline.support.PubSubEmulator;
import dev.pixelpipeline.support.PubSubEmulator.Message;
import dev.pixelpipeline.support.Pushes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Lints, renders and installs (client-only dry run) the Helm chart with the real Helm
 * library and checks the manifests it produces, for the defaults and for non-default
 * values; refuses values that cannot work; and starts the application with the rendered
 * pull-mode settings against the Pub/Sub emulator and the BigQuery stand-in. An
 * integration test (failsafe): the Helm library runs natively in-process and starts a
 * Spring context, and in surefire's shared JVM that breaks Jazzer's fuzz tests that run
 * after it.
 */
class HelmChartIntegrationTests {

	private static final Path CHART = Paths.get("helm/pixel-pipeline");

	/**
	 * The values without which the chart refuses to render in pull mode (the default).
	 */
	private static final Map<String, String> REQUIRED = Map.of("gcp.projectId", "demo-project", "ingest.subscription",
			"projects/demo-project/subscriptions/pixel-pipeline-pull", "deadLetter.topic",
			"projects/demo-project/topics/pixel-bad-rows");

	@TempDir
	Path temp;

	/**
	 * Lints a copy of the chart whose values.yaml has the required values filled in:
	 * helm-java's lint takes no --set, and Helm's lint only logs a template's
	 * {@code fail} (so that charts with required values lint), so linting the shipped
	 * values would not render what an install renders.
	 */
	@Test
	void lintIsCleanWithTheRequiredValuesFilledIn() throws Exception {
		Path chart = this.temp.resolve("pixel-pipeline");
		FileSystemUtils.copyRecursively(CHART, chart);
		String values = Files.readString(chart.resolve("values.yaml"));
		for (Map.Entry<String, String> required : REQUIRED.entrySet()) {
			String key = required.getKey().substring(required.getKey().lastIndexOf('.') + 1);
			String empty = "\n  " + key + ": \"\"\n";
			assertThat(values).as("values.yaml has %s empty", required.getKey()).contains(empty);
			values = values.replace(empty, "\n  " + key + ": \"" + required.getValue() + "\"\n");
		}
		Files.writeString(chart.resolve("values.yaml"), values);

		LintResult result = new Helm(chart).lint().strict().call();
		assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
		assertThat(result.getMessages())
			.noneMatch((message) -> message.contains("[ERROR]") || message.contains("[WARNING]"));
		assertThat(new Helm(chart).template().withName("demo").call()).contains("kind: Deployment");
	}

	@Test
	void defaultsRenderAPullModeDeploymentHardenedAndProbed() {
		Manifests manifests = render(required(template()));
		assertThat(manifests.kinds()).containsExactlyInAnyOrder("ServiceAccount", "ConfigMap", "Service", "Deployment",
				"HorizontalPodAutoscaler", "PodDisruptionBudget");

		Map<String, Object> deployment = manifests.one("Deployment");
		assertThat(at(deployment, "spec.replicas")).as("replicas are the HPA's").isNull();
		Map<String, Object> pod = node(deployment, "spec.template.spec");
		assertThat(at(pod, "securityContext.runAsNonRoot")).isEqualTo(true);
		assertThat(at(pod, "securityContext.seccompProfile.type")).isEqualTo("RuntimeDefault");
		assertThat(at(pod, "serviceAccountName")).isEqualTo("demo-pixel-pipeline");

		Map<String, Object> container = container(deployment);
		assertThat(at(container, "securityContext.allowPrivilegeEscalation")).isEqualTo(false);
		assertThat(at(container, "securityContext.readOnlyRootFilesystem")).isEqualTo(true);
		assertThat(at(container, "securityContext.capabilities.drop")).isEqualTo(List.of("ALL"));
		assertThat(at(container, "startupProbe.httpGet.path")).isEqualTo("/actuator/health/readiness");
		assertThat(at(container, "livenessProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
		assertThat(at(container, "readinessProbe.httpGet.path")).isEqualTo("/actuator/health/readiness");
		assertThat(at(container, "resources.requests.memory")).isEqualTo("512Mi");
		assertThat(at(container, "resources.limits.memory")).isEqualTo("512Mi");
		assertThat(at(container, "image")).isEqualTo("pixel-pipeline:0.1.0");
		assertThat(env(container)).containsEntry("SPRING_PROFILES_ACTIVE", "gcp,kubernetes")
			.containsEntry("SPRING_CONFIG_ADDITIONAL_LOCATION", "optional:file:/config/");
		assertThat(mountPaths(container)).containsEntry("tmp", "/tmp").containsEntry("config", "/config");
		List<Map<String, Object>> volumes = node(pod, "volumes");
		assertThat(volumes).anySatisfy((volume) -> {
			assertThat(volume.get("name")).isEqualTo("tmp");
			assertThat(volume).containsKey("emptyDir");
		});

		Map<String, Object> pipeline = pipelineSettings(manifests);
		assertThat(at(pipeline, "ingest.mode")).isEqualTo("pull");
		assertThat(at(pipeline, "ingest.subscription")).isEqualTo(REQUIRED.get("ingest.subscription"));
		assertThat(at(pipeline, "dead-letter.topic")).isEqualTo(REQUIRED.get("deadLetter.topic"));
		assertThat(at(pipeline, "bigquery.dataset")).isEqualTo("pixel_tracking");
		assertThat(at(pipeline, "bigquery.layout")).as("the template layout stays the default")
			.isEqualTo("template-tables");
		assertThat(at(pipeline, "push.auth.enabled")).as("no push endpoint to protect in pull mode").isEqualTo(false);
		assertThat(at(manifests.one("ServiceAccount"), "metadata.annotations")).isNull();

		Map<String, Object> hpa = manifests.one("HorizontalPodAutoscaler");
		assertThat(at(hpa, "spec.minReplicas")).isEqualTo(2);
		assertThat(at(hpa, "spec.maxReplicas")).isEqualTo(10);
		assertThat(at(hpa, "spec.scaleTargetRef.name")).isEqualTo("demo-pixel-pipeline");
		assertThat(at(manifests.one("PodDisruptionBudget"), "spec.minAvailable")).isEqualTo(1);
	}

	@Test
	void pullModeWithWorkloadIdentityCarriesTheGoogleSettings() {
		Manifests manifests = render(template().set("gcp.projectId", "demo-project")
			.set("gcp.serviceAccount", "pixel-gke@demo-project.iam.gserviceaccount.com")
			.set("ingest.subscription", "projects/demo-project/subscriptions/pixel-pull")
			.set("deadLetter.topic", "projects/demo-project/topics/pixel-bad-rows")
			.set("extraConfig.table.suffix", ""));
		assertThat(at(manifests.one("ServiceAccount"), "metadata.annotations"))
			.isEqualTo(Map.of("iam.gke.io/gcp-service-account", "pixel-gke@demo-project.iam.gserviceaccount.com"));
		assertThat(env(container(manifests.one("Deployment")))).containsEntry("GOOGLE_CLOUD_PROJECT", "demo-project");
		Map<String, Object> pipeline = pipelineSettings(manifests);
		assertThat(at(pipeline, "ingest.subscription")).isEqualTo("projects/demo-project/subscriptions/pixel-pull");
		assertThat(at(pipeline, "bigquery.project-id")).isEqualTo("demo-project");
		assertThat(at(pipeline, "dead-letter.topic")).isEqualTo("projects/demo-project/topics/pixel-bad-rows");
		assertThat(at(pipeline, "table.suffix")).as("extra pipeline.* settings pass through").isEqualTo("");
	}

	@Test
	void pushModeBehindIngressWithServiceMonitorAndFixedReplicas() throws Exception {
		Path values = this.temp.resolve("push.yaml");
		Files.writeString(values, """
				gcp:
				  projectId: demo-project
				deadLetter:
				  topic: pixel-bad-rows
				ingest:
				  mode: push
				push:
				  auth:
				    audience: pixel-pipeline-push
				    serviceAccounts: [pixel-pipeline-push@demo-project.iam.gserviceaccount.com]
				ingress:
				  enabled: true
				  className: gce
				  host: push.example.com
				  tlsSecretName: push-tls
				serviceMonitor:
				  enabled: true
				  labels: {release: prometheus}
				autoscaling:
				  enabled: false
				replicaCount: 3
				podDisruptionBudget:
				  enabled: false
				""");
		Manifests manifests = render(template().withValuesFile(values));
		assertThat(manifests.kinds()).contains("Ingress", "ServiceMonitor")
			.doesNotContain("HorizontalPodAutoscaler", "PodDisruptionBudget");
		assertThat(at(manifests.one("Deployment"), "spec.replicas")).isEqualTo(3);

		Map<String, Object> ingress = manifests.one("Ingress");
		assertThat(at(ingress, "spec.ingressClassName")).isEqualTo("gce");
		List<Map<String, Object>> rules = node(ingress, "spec.rules");
		assertThat(rules).singleElement().satisfies((rule) -> {
			assertThat(rule.get("host")).isEqualTo("push.example.com");
			List<Map<String, Object>> paths = node(rule, "http.paths");
			assertThat(paths).as("only the push endpoint is exposed").singleElement().satisfies((path) -> {
				assertThat(path.get("path")).isEqualTo("/pubsub/push");
				assertThat(path.get("pathType")).isEqualTo("Exact");
			});
		});

		Map<String, Object> monitor = manifests.one("ServiceMonitor");
		assertThat(at(monitor, "metadata.labels.release")).isEqualTo("prometheus");
		List<Map<String, Object>> endpoints = node(monitor, "spec.endpoints");
		assertThat(endpoints).singleElement().satisfies((endpoint) -> {
			assertThat(endpoint.get("path")).isEqualTo("/actuator/prometheus");
			assertThat(endpoint.get("port")).isEqualTo("http");
		});

		Map<String, Object> pipeline = pipelineSettings(manifests);
		assertThat(at(pipeline, "ingest.mode")).isEqualTo("push");
		assertThat(at(pipeline, "push.auth.enabled")).isEqualTo(true);
		assertThat(at(pipeline, "push.auth.audience")).isEqualTo("pixel-pipeline-push");
		assertThat(at(pipeline, "push.auth.service-accounts"))
			.isEqualTo(List.of("pixel-pipeline-push@demo-project.iam.gserviceaccount.com"));
	}

	@Test
	void mountedSettingsWinOverTheGcpProfile() throws Exception {
		Manifests manifests = render(required(template()));
		SpringApplication application = new SpringApplication(Settings.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setEnvironment(ContainerEnvironment.of(containerEnv(manifests)));
		try (ConfigurableApplicationContext context = application.run()) {
			Environment environment = context.getEnvironment();
			assertThat(environment.getProperty("pipeline.push.auth.enabled")).as("the gcp profile says true")
				.isEqualTo("false");
			assertThat(environment.getProperty("pipeline.ingest.mode")).isEqualTo("pull");
			assertThat(environment.getProperty("pipeline.ingest.max-outstanding-messages"))
				.as("messages in flight per pod, sized like Cloud Run's containerConcurrency")
				.isEqualTo(DeploySettings.load().get("CONTAINER_CONCURRENCY"));
			assertThat(environment.getProperty("pipeline.bigquery.project-id")).isEqualTo("demo-project");
			assertThat(environment.getProperty("pipeline.read-api.enabled")).as("from the gcp profile")
				.isEqualTo("false");
		}
	}

	/** An empty configuration: only the environment is of interest. */
	@Configuration(proxyBeanMethods = false)
	static class Settings {

	}

	@Test
	void hpaBoundsFollowTheValues() {
		Manifests manifests = render(
				required(template()).set("autoscaling.minReplicas", "4").set("autoscaling.maxReplicas", "25"));
		Map<String, Object> hpa = manifests.one("HorizontalPodAutoscaler");
		assertThat(at(hpa, "spec.minReplicas")).isEqualTo(4);
		assertThat(at(hpa, "spec.maxReplicas")).isEqualTo(25);
	}

	@Test
	void layoutPartitionedReachesTheApplicationAndTheNotesCreateTheTable() throws Exception {
		Path values = this.temp.resolve("partitioned.yaml");
		Files.writeString(values, """
				bigquery:
				  layout: partitioned
				  table: hits
				  clustering: [type, user_id, order_id]
				""");
		Map<String, Object> pipeline = pipelineSettings(render(required(template()).withValuesFile(values)));
		assertThat(at(pipeline, "bigquery.layout")).isEqualTo("partitioned");
		assertThat(at(pipeline, "bigquery.table")).isEqualTo("hits");
		assertThat(at(pipeline, "bigquery.clustering")).isEqualTo(List.of("type", "user_id", "order_id"));
		assertThat(at(pipeline, "bigquery.dataset")).isEqualTo("pixel_tracking");

		InstallCommand install = install().set("bigquery.layout", "partitioned");
		for (Map.Entry<String, String> value : REQUIRED.entrySet()) {
			install = install.set(value.getKey(), value.getValue());
		}
		String output = install.call().getOutput();
		String notes = output.substring(output.indexOf("NOTES:")).replace("\\\n", " ").replaceAll(" +", " ");
		assertThat(notes)
			.contains("bq --project_id=demo-project mk --table"
					+ " --schema=src/main/resources/bigquery/pixel-template-schema.json --time_partitioning_type=DAY"
					+ " --time_partitioning_field=event_time --clustering_fields=user_id,type"
					+ " demo-project:pixel_tracking.pixel_events")
			.doesNotContain("table_limit");
	}

	@Test
	void layoutsAndClusteringOutsideWhatBigQueryTakesAreRejected() throws Exception {
		assertThatThrownBy(() -> required(template()).set("bigquery.layout", "partition").call())
			.hasMessageContaining("values don't meet")
			.hasMessageContaining("layout");
		Path values = this.temp.resolve("clustering.yaml");
		Files.writeString(values, "bigquery: {clustering: [a, b, c, d, e]}\n");
		assertThatThrownBy(() -> required(template()).withValuesFile(values).call())
			.as("BigQuery clusters by at most four columns")
			.hasMessageContaining("clustering");
		assertThatThrownBy(() -> required(template()).set("bigquery.table", "pixel-events").call())
			.hasMessageContaining("table");
	}

	@Test
	void valuesThatBreakTheSchemaAreRejected() throws Exception {
		Path values = this.temp.resolve("bad.yaml");
		Files.writeString(values, """
				ingest:
				  mode: stream
				replicaCount: 0
				""");
		assertThatThrownBy(() -> template().withValuesFile(values).call()).hasMessageContaining("values don't meet")
			.hasMessageContaining("mode")
			.hasMessageContaining("replicaCount");
		assertThatThrownBy(() -> template().set("unknownSetting", "x").call()).hasMessageContaining("unknownSetting");
	}

	@Test
	void ingressInPullModeIsRefused() {
		assertThatThrownBy(() -> required(template()).set("ingress.enabled", "true").call())
			.hasMessageContaining("ingress.enabled needs ingest.mode=push");
	}

	/** A value the chart must refuse when it is missing, and the values around it. */
	record Refused(String missing, String values) {

		@Override
		public String toString() {
			return this.missing;
		}

	}

	static List<Refused> refusedValues() {
		String pull = """
				gcp: {projectId: demo-project}
				ingest: {mode: pull, subscription: pixel-pipeline-pull}
				deadLetter: {topic: pixel-bad-rows}
				""";
		String push = """
				gcp: {projectId: demo-project}
				ingest: {mode: push}
				deadLetter: {topic: pixel-bad-rows}
				push: {auth: {audience: pixel-pipeline-push, serviceAccounts: [pusher@demo-project.iam.gserviceaccount.com]}}
				""";
		return List.of(new Refused("gcp.projectId", pull.replace("projectId: demo-project", "projectId: \"\"")),
				new Refused("ingest.subscription", pull.replace(", subscription: pixel-pipeline-pull", "")),
				new Refused("deadLetter.topic", pull.replace("topic: pixel-bad-rows", "topic: \"\"")),
				new Refused("deadLetter.topic", push.replace("deadLetter: {topic: pixel-bad-rows}", "")),
				new Refused("push.auth.audience", push.replace("audience: pixel-pipeline-push, ", "")),
				new Refused("push.auth.serviceAccounts",
						push.replace("[pusher@demo-project.iam.gserviceaccount.com]", "[]")));
	}

	/**
	 * Without a project, a subscription (pull mode), a topic for bad rows, or the push
	 * token's audience and accounts (push mode) the pods could only crash-loop: install
	 * and template fail, naming the value and nothing else.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("refusedValues")
	void valuesThatCannotWorkAreRefusedNamingTheValue(Refused refused) throws Exception {
		Path values = this.temp.resolve("refused.yaml");
		Files.writeString(values, refused.values());
		List<String> others = new ArrayList<>(List.of("gcp.projectId", "ingest.subscription", "deadLetter.topic",
				"push.auth.audience", "push.auth.serviceAccounts"));
		others.remove(refused.missing());
		assertThatThrownBy(() -> install().withValuesFile(values).call()).as("helm install")
			.hasMessageContaining("required and not set")
			.hasMessageContaining("- " + refused.missing() + ":")
			.satisfies((failure) -> assertThat(others)
				.noneMatch((other) -> failure.getMessage().contains("- " + other + ":")));
		assertThatThrownBy(() -> template().withValuesFile(values).call()).as("helm template")
			.hasMessageContaining("- " + refused.missing() + ":");
		// The same values with the missing one given install cleanly.
		Files.writeString(values, refusedValuesCompleted(refused));
		assertThat(install().withValuesFile(values).call().getOutput()).contains("NOTES:");
	}

	private static String refusedValuesCompleted(Refused refused) {
		return switch (refused.missing()) {
			case "gcp.projectId" -> refused.values().replace("projectId: \"\"", "projectId: demo-project");
			case "ingest.subscription" -> refused.values().replace("mode: pull", "mode: pull, subscription: s-1");
			case "deadLetter.topic" ->
				refused.values().contains("topic: \"\"") ? refused.values().replace("topic: \"\"", "topic: t-1")
						: refused.values() + "deadLetter: {topic: t-1}\n";
			case "push.auth.audience" -> refused.values().replace("auth: {", "auth: {audience: a-1, ");
			default -> refused.values().replace("[]", "[pusher@demo-project.iam.gserviceaccount.com]");
		};
	}

	@Test
	void theDefaultsWithTheRequiredValuesInstall() {
		InstallCommand command = install();
		for (Map.Entry<String, String> value : REQUIRED.entrySet()) {
			command = command.set(value.getKey(), value.getValue());
		}
		assertThat(command.call().getOutput()).contains("STATUS: pending-install", "NOTES:");
	}

	@Test
	void aTopicGivenAsTheSubscriptionIsRefused() {
		assertThatThrownBy(
				() -> required(template()).set("ingest.subscription", "projects/demo-project/topics/pixel-lb-logs")
					.call())
			.hasMessageContaining("ingest.subscription");
		assertThatThrownBy(
				() -> required(template()).set("deadLetter.topic", "projects/demo-project/subscriptions/pixel-bad-rows")
					.call())
			.hasMessageContaining("deadLetter.topic");
	}

	/**
	 * The startup and readiness probes call /actuator/health/readiness, which waits up to
	 * pipeline.bigquery.health-timeout for BigQuery: each must allow that plus a second
	 * for the rest of the check and the round trip. The timeout is read from the app's
	 * configuration as the rendered container sees it, so a change to either side that
	 * breaks the rule fails here.
	 */
	@Test
	void probeTimeoutsCoverTheReadinessCheckTheyCall() throws Exception {
		Manifests manifests = render(required(template()));
		Duration healthTimeout = ContainerEnvironment.bigQueryHealthTimeout(containerEnv(manifests));
		assertThat(healthTimeout).as("pipeline.bigquery.health-timeout").isPositive();
		assertThat(probesTooShortFor(healthTimeout, container(manifests.one("Deployment")))).isEmpty();

		// The check sees a drift: a longer health timeout without longer probes.
		Manifests drifted = render(required(template()).set("extraConfig.bigquery.health-timeout", "10s"));
		Duration longer = ContainerEnvironment.bigQueryHealthTimeout(containerEnv(drifted));
		assertThat(longer).isEqualTo(Duration.ofSeconds(10));
		assertThat(probesTooShortFor(longer, container(drifted.one("Deployment"))))
			.containsExactlyInAnyOrder("startupProbe", "readinessProbe");

		// And the values raise them.
		Manifests raised = render(required(template()).set("extraConfig.bigquery.health-timeout", "10s")
			.set("probes.startup.timeoutSeconds", "12")
			.set("probes.readiness.timeoutSeconds", "12"));
		assertThat(probesTooShortFor(longer, container(raised.one("Deployment")))).isEmpty();
	}

	/**
	 * The probes on /actuator/health/readiness whose timeout does not cover the health
	 * timeout plus a second.
	 */
	static List<String> probesTooShortFor(Duration healthTimeout, Map<String, Object> container) {
		List<String> tooShort = new ArrayList<>();
		int probesOnReadiness = 0;
		for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
			if (!"/actuator/health/readiness".equals(at(container, probe + ".httpGet.path"))) {
				continue;
			}
			probesOnReadiness++;
			Object timeout = at(container, probe + ".timeoutSeconds");
			// Kubernetes' default is 1 second.
			long seconds = (timeout != null) ? ((Number) timeout).longValue() : 1;
			if (Duration.ofSeconds(seconds).compareTo(healthTimeout.plusSeconds(1)) < 0) {
				tooShort.add(probe);
			}
		}
		assertThat(probesOnReadiness).as("probes on the readiness endpoint").isEqualTo(2);
		return tooShort;
	}

	/**
	 * The install notes show how to create every subscription, each with
	 * --expiration-period=never, and the pull subscription hands what it cannot deliver
	 * to pixel-undeliverable.
	 */
	@Test
	void installNotesCreateSubscriptionsThatNeverExpire() {
		InstallCommand command = install();
		for (Map.Entry<String, String> value : REQUIRED.entrySet()) {
			command = command.set(value.getKey(), value.getValue());
		}
		String output = command.call().getOutput();
		String notes = output.substring(output.indexOf("NOTES:")).replace("\\\n", " ");
		List<String> creates = notes.lines()
			.map(String::strip)
			.filter((line) -> line.startsWith("gcloud pubsub subscriptions create"))
			.toList();
		assertThat(creates).hasSize(3).allSatisfy((line) -> assertThat(line).contains("--expiration-period=never"));
		assertThat(creates).anySatisfy((line) -> assertThat(line)
			.startsWith("gcloud pubsub subscriptions create pixel-pipeline-pull --topic=pixel-lb-logs")
			.contains("--dead-letter-topic=pixel-undeliverable"));
		assertThat(creates).anySatisfy((line) -> assertThat(line).startsWith(
				"gcloud pubsub subscriptions create pixel-bad-rows --topic=" + REQUIRED.get("deadLetter.topic")));
		assertThat(creates).anySatisfy((line) -> assertThat(line)
			.startsWith("gcloud pubsub subscriptions create pixel-undeliverable --topic=pixel-undeliverable"));
		// The parked subscriptions keep what waits as long as setup.sh's do.
		Map<String, String> settings = DeploySettings.load();
		assertThat(creates).filteredOn((line) -> !line.contains("--dead-letter-topic"))
			.hasSize(2)
			.allSatisfy((line) -> assertThat(line)
				.contains("--message-retention-duration=" + settings.get("PARKED_RETENTION"))
				.contains("--ack-deadline=" + settings.get("ACK_DEADLINE")));
		assertThat(notes).as("template layout notes").contains("table_limit");
	}

	/**
	 * Pull mode as the chart deploys it: the rendered ConfigMap and container
	 * environment, with only the Google endpoints pointed at local stand-ins, start an
	 * application that pulls and stores hits and has no push endpoint: POST /pubsub/push
	 * is 404 with and without a token, and stores nothing.
	 */
	@Test
	void pullModeAsRenderedStoresPulledHitsAndHasNoPushEndpoint() throws Exception {
		PubSubEmulator emulator = PubSubEmulator.shared();
		String id = UUID.randomUUID().toString();
		String logTopic = "logs-" + id;
		String subscription = "pull-" + id;
		String badRows = "bad-rows-" + id;
		emulator.createTopic(logTopic);
		emulator.createTopic(badRows);
		emulator.createPullSubscription(subscription, logTopic, 30);

		Manifests manifests = render(template().set("gcp.projectId", PubSubEmulator.PROJECT)
			.set("ingest.subscription", PubSubEmulator.subscriptionPath(subscription))
			.set("deadLetter.topic", PubSubEmulator.topicPath(badRows)));
		Map<String, String> env = containerEnv(manifests);
		assertThat(env.get("SPRING_PROFILES_ACTIVE")).isEqualTo("gcp,kubernetes");

		try (BigQueryServer bigQuery = BigQueryServer.start();
				ConfigurableApplicationContext app = new SpringApplicationBuilder(PixelPipelineApplication.class)
					.environment(ContainerEnvironment.of(env))
					.registerShutdownHook(false)
					// Only where the pod would reach Google: the stand-ins instead. GKE's
					// metadata server would give the project; Cloud Monitoring has no
					// stand-in here.
					.run("--server.port=0", "--server.address=127.0.0.1",
							"--spring.cloud.gcp.pubsub.emulator-host=" + emulator.hostPort(),
							"--spring.cloud.gcp.project-id=" + env.get("GOOGLE_CLOUD_PROJECT"),
							"--pipeline.bigquery.host=" + bigQuery.host(),
							"--management.stackdriver.metrics.export.enabled=false")) {
			Environment environment = app.getEnvironment();
			assertThat(environment.getProperty("pipeline.ingest.mode")).isEqualTo("pull");
			assertThat(environment.getProperty("pipeline.sink")).isEqualTo("bigquery");
			int port = ((WebServerApplicationContext) app).getWebServer().getPort();
			Http http = new Http(port);
			// Ready once the start-up check found the dataset and template table.
			PipelineApp.await(() -> http.get("/actuator/health/readiness").statusCode() == 200, Duration.ofSeconds(60),
					() -> "readiness: " + http.get("/actuator/health/readiness").body());

			String forged = Pushes.wrapped("forged-" + id,
					Pushes.pixelHit("forged-" + id, "forged-" + id).getBytes(StandardCharsets.UTF_8));
			assertThat(http.post("/pubsub/push", forged, "Content-Type", "application/json").statusCode())
				.as("push without a token")
				.isEqualTo(404);
			assertThat(http
				.post("/pubsub/push", forged, "Content-Type", "application/json", "Authorization",
						"Bearer " + unsignedToken())
				.statusCode()).as("push with a token").isEqualTo(404);

			String user = "pulled-" + id;
			emulator.publish(logTopic, Message.logEntry(Pushes.pixelHit("entry-" + id, user)));
			PipelineApp.await(() -> storedUsers(bigQuery).contains(user), Duration.ofSeconds(60),
					() -> "rows stored: " + storedUsers(bigQuery));
			assertThat(storedUsers(bigQuery)).doesNotContain("forged-" + id);
			assertThat(emulator.pullAndAck(subscription, 10)).as("acked after it was stored").isEmpty();
		}
	}

	private static List<Object> storedUsers(BigQueryServer bigQuery) {
		return bigQuery.insertAlls()
			.stream()
			.filter((request) -> request.answer().startsWith("200"))
			.flatMap((request) -> request.rows().stream())
			.map((row) -> row.json().get("user_id"))
			.toList();
	}

	/**
	 * A well-formed JWT that no key signed: what a caller without Google's keys can send.
	 */
	private static String unsignedToken() {
		Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
		String header = base64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
		String claims = base64.encodeToString(("{\"iss\":\"https://accounts.google.com\",\"aud\":\"pixel\","
				+ "\"email\":\"someone@example.com\",\"email_verified\":true,\"exp\":"
				+ (Instant.now().getEpochSecond() + 600) + "}")
			.getBytes(StandardCharsets.UTF_8));
		return header + "." + claims + "." + base64.encodeToString(new byte[64]);
	}

	private static TemplateCommand template() {
		return new Helm(CHART).template().withName("demo").withNamespace("pixel");
	}

	private static TemplateCommand required(TemplateCommand command) {
		TemplateCommand result = command;
		for (Map.Entry<String, String> value : REQUIRED.entrySet()) {
			result = result.set(value.getKey(), value.getValue());
		}
		return result;
	}

	/** {@code helm install --dry-run --client-only}: everything an install checks. */
	private static InstallCommand install() {
		return new Helm(CHART).install().withName("demo").withNamespace("pixel").clientOnly().dryRun();
	}

	/**
	 * The Deployment's container environment, with its config volume's mount path
	 * replaced by a local folder that holds the ConfigMap's files.
	 */
	private Map<String, String> containerEnv(Manifests manifests) throws IOException {
		Map<String, Object> deployment = manifests.one("Deployment");
		Map<String, Object> container = container(deployment);
		String mountPath = mountPaths(container).get("config");
		assertThat(mountPath).as("config volume mounted").isNotNull();
		Path config = Files.createDirectories(this.temp.resolve("config-" + System.nanoTime()));
		Map<String, Object> data = node(manifests.one("ConfigMap"), "data");
		for (Map.Entry<String, Object> file : data.entrySet()) {
			Files.writeString(config.resolve(file.getKey()), (String) file.getValue());
		}
		Map<String, String> env = new LinkedHashMap<>();
		env(container).forEach((name, value) -> env.put(name,
				value.replace(mountPath.replaceAll("/$", "") + "/", config.toAbsolutePath() + "/")));
		return env;
	}

	private static Manifests render(TemplateCommand command) {
		List<Map<String, Object>> documents = new ArrayList<>();
		for (Object document : new Yaml().loadAll(command.call())) {
			if (document != null) {
				documents.add(cast(document));
			}
		}
		return new Manifests(documents);
	}

	private static Map<String, Object> pipelineSettings(Manifests manifests) {
		String applicationYaml = node(manifests.one("ConfigMap"), "data.application-kubernetes\\.yaml");
		Map<String, Object> settings = new Yaml().load(applicationYaml);
		assertThat(settings).as("mounted application-kubernetes.yaml").containsOnlyKeys("pipeline");
		return cast(settings.get("pipeline"));
	}

	private static Map<String, Object> container(Map<String, Object> deployment) {
		List<Map<String, Object>> containers = node(deployment, "spec.template.spec.containers");
		assertThat(containers).hasSize(1);
		return containers.get(0);
	}

	private static Map<String, String> env(Map<String, Object> container) {
		List<Map<String, Object>> env = node(container, "env");
		Map<String, String> result = new LinkedHashMap<>();
		env.forEach((variable) -> result.put((String) variable.get("name"), (String) variable.get("value")));
		return result;
	}

	private static Map<String, String> mountPaths(Map<String, Object> container) {
		List<Map<String, Object>> mounts = node(container, "volumeMounts");
		Map<String, String> result = new LinkedHashMap<>();
		mounts.forEach((mount) -> result.put((String) mount.get("name"), (String) mount.get("mountPath")));
		return result;
	}

	/**
	 * The value at a dotted path ({@code \.} for a dot inside a key), or null where any
	 * step is missing.
	 */
	private static Object at(Map<String, Object> root, String path) {
		Object current = root;
		for (String key : path.split("(?<!\\\\)\\.")) {
			if (!(current instanceof Map<?, ?> map)) {
				return null;
			}
			current = map.get(key.replace("\\.", "."));
		}
		return current;
	}

	private static <T> T node(Map<String, Object> root, String path) {
		return cast(at(root, path));
	}

	@SuppressWarnings("unchecked")
	private static <T> T cast(Object value) {
		return (T) value;
	}

	/** The rendered documents of one release. */
	record Manifests(List<Map<String, Object>> documents) {

		List<String> kinds() {
			return this.documents.stream().map((document) -> (String) document.get("kind")).toList();
		}

		Map<String, Object> one(String kind) {
			List<Map<String, Object>> matching = this.documents.stream()
				.filter((document) -> kind.equals(document.get("kind")))
				.toList();
			assertThat(matching).as("one %s among %s", kind, kinds()).hasSize(1);
			return matching.get(0);
		}

	}

}
