package dev.pixelpipeline.deploy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.google.monitoring.dashboard.v1.Dashboard;
import com.google.monitoring.v3.AlertPolicy;
import com.google.monitoring.v3.TimeSeries;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.marcnuri.helm.Helm;
import dev.pixelpipeline.support.BigQueryServer;
import dev.pixelpipeline.support.BigQueryServer.Answer;
import dev.pixelpipeline.support.ContainerSpec;
import dev.pixelpipeline.support.ContainerSpec.Probe;
import dev.pixelpipeline.support.DeployedProcess;
import dev.pixelpipeline.support.GoogleTokenIssuer;
import dev.pixelpipeline.support.ImageLayout;
import dev.pixelpipeline.support.MetricServiceStandIn;
import dev.pixelpipeline.support.PipelineApp;
import dev.pixelpipeline.support.PubSubEmulator;
import dev.pixelpipeline.support.PubSubEmulator.Pulled;
import dev.pixelpipeline.support.Pushes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The main proof that the deployed configuration boots and works: the packaged
 * application, started in the container image's extracted layout with exactly the
 * environment, arguments and profile of a rendered deployment, against local stand-ins of
 * every Google API it calls (Pub/Sub emulator, BigQuery REST, Google's token signing
 * keys, Cloud Monitoring's {@code MetricService}) and nothing else.
 *
 * <ul>
 * <li>Cloud Run: {@code deploy/cloud-run.yaml} rendered by the {@code render} function of
 * {@code deploy/common.sh}, as {@code deploy/setup.sh} renders it, receiving signed
 * pushes.</li>
 * <li>Kubernetes: the Helm chart's Deployment and mounted ConfigMap, rendered by the real
 * Helm library in its default pull mode, pulling from the emulator.</li>
 * </ul>
 * Each asserts rows in BigQuery, bad rows on the bad-row topic, every metric the
 * dashboard and alert policies chart written to Cloud Monitoring, JSON logs for Cloud
 * Logging, only health, info and prometheus exposed, the probes, and a SIGTERM with work
 * in flight that answers it and ends before the platform kills the process.
 */
class DeployedConfigurationIntegrationTests {

	private static final Logger logger = LoggerFactory.getLogger(DeployedConfigurationIntegrationTests.class);

	/**
	 * The project the deployment is rendered for: the emulator's, since the emulator
	 * helpers name topics in it (the BigQuery stand-in accepts any project).
	 */
	private static final String PROJECT = PubSubEmulator.PROJECT;

	/**
	 * Endpoint settings: where each Google API the app calls is. A scenario adds nothing
	 * else to a container's own settings but {@link #TEST_ONLY_OVERRIDES}.
	 */
	private static final Set<String> ENDPOINT_OVERRIDES = Set.of(
			// Pub/Sub (bad rows, pull mode): the emulator, without credentials.
			"SPRING_CLOUD_GCP_PUBSUB_EMULATORHOST",
			// BigQuery REST: the stand-in, without credentials.
			"PIPELINE_BIGQUERY_HOST",
			// Google's token signing keys (https://www.googleapis.com/oauth2/v3/certs).
			"SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_JWKSETURI",
			// Cloud Monitoring's MetricService: the gRPC stand-in, plaintext, without
			// credentials.
			"PIPELINE_METRICS_MONITORINGHOST");

	/**
	 * Not an endpoint, and the only other setting the test adds: Cloud Monitoring's
	 * export step, one minute in the gcp profile, shortened so that every series is
	 * exported within seconds. It changes when the registry sends, not what it sends or
	 * where.
	 */
	private static final Set<String> TEST_ONLY_OVERRIDES = Set.of("MANAGEMENT_STACKDRIVER_METRICS_EXPORT_STEP");

	/**
	 * What the platform sets in every container: the port ({@code PORT} on Cloud Run; on
	 * Kubernetes the container port, mapped here to a free local port the same way) and
	 * Cloud Run's service, revision and configuration names.
	 */
	private static final Set<String> PLATFORM_ENV = Set.of("PORT", "K_SERVICE", "K_REVISION", "K_CONFIGURATION");

	/**
	 * Settings of the Cloud Run service and its revision template the test applies
	 * (metadata.name: K_SERVICE and the metrics' service label; custom-audiences: the
	 * push token's audience; startup-cpu-boost: the CPUs the JVM starts with;
	 * containerConcurrency: pushes sent at once; timeoutSeconds: how long a push may take
	 * to be answered; containers: see {@link ContainerSpec#APPLIED}).
	 */
	private static final Set<String> CLOUD_RUN_APPLIED = Set.of("metadata.name",
			"metadata.annotations.run.googleapis.com/custom-audiences",
			"spec.template.metadata.annotations.run.googleapis.com/startup-cpu-boost",
			"spec.template.spec.containerConcurrency", "spec.template.spec.timeoutSeconds",
			"spec.template.spec.containers");

	/**
	 * Settings only Cloud Run itself applies: the region label, ingress, scaling bounds,
	 * CPU allocation between requests (the test's metrics are exported between requests,
	 * which is what it keeps working), the runtime service account (IAM) and the traffic
	 * split.
	 */
	private static final Set<String> CLOUD_RUN_PLATFORM_ONLY = Set.of("apiVersion", "kind",
			"metadata.labels.cloud.googleapis.com/location", "metadata.annotations.run.googleapis.com/ingress",
			"spec.template.metadata.annotations.autoscaling.knative.dev/minScale",
			"spec.template.metadata.annotations.autoscaling.knative.dev/maxScale",
			"spec.template.metadata.annotations.run.googleapis.com/cpu-throttling",
			"spec.template.spec.serviceAccountName", "spec.traffic");

	/**
	 * Settings of the chart's pod the test applies (containers: see
	 * {@link ContainerSpec#APPLIED}; volumes: the ConfigMap's mount;
	 * terminationGracePeriodSeconds: the SIGTERM deadline) and those only Kubernetes
	 * applies (identity, security context, scheduling).
	 */
	private static final Set<String> POD_SETTINGS = Set.of("containers", "volumes", "terminationGracePeriodSeconds",
			"serviceAccountName", "securityContext", "affinity", "imagePullSecrets", "nodeSelector", "tolerations");

	/** How long BigQuery takes to answer an insert while SIGTERM arrives. */
	private static final Duration SLOW_INSERT = Duration.ofSeconds(2);

	/** Cloud Run sends SIGKILL this long after SIGTERM (a platform constant). */
	private static final Duration CLOUD_RUN_SIGKILL_AFTER = Duration.ofSeconds(10);

	/**
	 * Metric types of Google's own services that a dashboard or alert may chart: the
	 * platform writes them, not the app.
	 */
	private static final Set<String> PLATFORM_METRIC_PREFIXES = Set.of("run.googleapis.com/", "pubsub.googleapis.com/",
			"bigquery.googleapis.com/", "loadbalancing.googleapis.com/", "kubernetes.io/");

	/**
	 * Charted metric types that only the partitioned layout writes
	 * ({@code pipeline.bigquery.layout=partitioned}); these deployments keep the template
	 * layout, the default.
	 */
	private static final Set<String> PARTITIONED_LAYOUT_TYPES = Set
		.of("custom.googleapis.com/pixel/bigquery/append/errors");

	private static final Pattern METRIC_TYPE = Pattern.compile("metric\\.type\\s*=\\s*\"([^\"]+)\"");

	/** Query languages whose metric names this test does not read. */
	private static final Set<String> QUERY_FIELDS = Set.of("time_series_query_language", "prometheus_query", "query");

	private static final Set<String> SEVERITIES = Set.of("DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL");

	/** Actuator endpoints that must stay off the network. */
	private static final List<String> CLOSED_ACTUATORS = List.of("env", "beans", "heapdump", "threaddump",
			"configprops", "mappings", "loggers", "metrics", "conditions", "scheduledtasks", "shutdown", "caches",
			"sbom", "startup");

	private static final DateTimeFormatter TABLE_DATE = DateTimeFormatter.ofPattern("yyyyMMdd")
		.withZone(ZoneOffset.UTC);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@TempDir
	static Path shared;

	static ImageLayout layout;

	static PubSubEmulator emulator;

	static GoogleTokenIssuer google;

	static Rendered cloudRun;

	/** The Cloud Run service, started in {@link #deployBoth()}. */
	static Deployment cloudRunService;

	/** The Helm chart's Deployment, started in {@link #deployBoth()}. */
	static Deployment helmDeployment;

	/** The Helm chart's pull subscription. */
	static String pullSubscription;

	private static final String LOG_TOPIC = "pixel-lb-logs";

	private static final HttpClient HTTP = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	/**
	 * Starts both deployments at once, each with its own BigQuery and Cloud Monitoring
	 * stand-ins, after one shared extraction of the image layout (running while the
	 * emulator starts); each test then waits for its deployment's startup probe.
	 */
	@BeforeAll
	static void deployBoth() throws Exception {
		// One extraction for both scenarios, without the training run: on a loaded
		// machine it costs more than its AOT cache saves on two starts, and the
		// ENTRYPOINT runs the same without the cache (ImageLayoutIntegrationTests
		// proves the cache).
		CompletableFuture<ImageLayout> extraction = CompletableFuture.supplyAsync(() -> {
			try {
				return ImageLayout.extract(shared.resolve("image"));
			}
			catch (Exception ex) {
				throw new IllegalStateException("Image layout extraction failed", ex);
			}
		});
		emulator = PubSubEmulator.shared();
		google = GoogleTokenIssuer.start();
		cloudRun = renderCloudRun(Files.createDirectories(shared.resolve("rendered")));
		layout = extraction.join();
		cloudRunService = startCloudRun();
		helmDeployment = startHelmDeployment();
	}

	@AfterAll
	static void stopAll() throws Exception {
		for (AutoCloseable closeable : new AutoCloseable[] { cloudRunService, helmDeployment, google }) {
			if (closeable != null) {
				closeable.close();
			}
		}
	}

	/**
	 * One started deployment: its rendered container, its process, and its own stand-ins.
	 *
	 * @param manifest the rendered Service or Deployment
	 * @param container the container as rendered (before the ConfigMap is mounted)
	 * @param app the process
	 * @param bigQuery its BigQuery stand-in
	 * @param monitoring its Cloud Monitoring stand-in
	 * @param badRowSubscription a subscription on its bad-row topic
	 */
	record Deployment(Map<String, Object> manifest, ContainerSpec container, DeployedProcess app,
			BigQueryServer bigQuery, MetricServiceStandIn monitoring,
			String badRowSubscription) implements AutoCloseable {

		@Override
		public void close() throws Exception {
			this.app.close();
			this.bigQuery.close();
			this.monitoring.close();
		}

	}

	private static Deployment startCloudRun() {
		Map<String, Object> service = cloudRun.manifest();
		assertThat(service.get("kind")).isEqualTo("Service");
		Set<String> known = new TreeSet<>(CLOUD_RUN_APPLIED);
		known.addAll(CLOUD_RUN_PLATFORM_ONLY);
		assertThat(settings(service, "")).as("Cloud Run settings the test either applies or names as platform-only")
			.isSubsetOf(known);
		ContainerSpec container = cloudRun.container();
		String serviceName = node(service, "metadata.name");
		String badRowSubscription = watch(container.env().get("PIPELINE_DEADLETTER_TOPIC"), "boot-cloud-run");
		BigQueryServer bigQuery = BigQueryServer.start();
		MetricServiceStandIn monitoring = MetricServiceStandIn.start();
		Map<String, String> overrides = new LinkedHashMap<>();
		overrides.put("SPRING_CLOUD_GCP_PUBSUB_EMULATORHOST", emulator.hostPort());
		overrides.put("PIPELINE_BIGQUERY_HOST", bigQuery.host());
		overrides.put("SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_JWKSETURI", google.jwkSetUri());
		overrides.put("PIPELINE_METRICS_MONITORINGHOST", monitoring.hostPort());
		overrides.put("MANAGEMENT_STACKDRIVER_METRICS_EXPORT_STEP", "2s");
		// What Cloud Run sets in the container besides the manifest's env.
		int port = PubSubEmulator.freePort();
		Map<String, String> platform = Map.of("PORT", Integer.toString(port), "K_SERVICE", serviceName, "K_REVISION",
				serviceName + "-00001-boot", "K_CONFIGURATION", serviceName);
		// With startup CPU boost the JVM starts under twice the CPU limit, and sizes its
		// compiler and GC threads for that.
		String boost = node(service, "spec.template.metadata.annotations.run\\.googleapis\\.com/startup-cpu-boost");
		int startupCpus = container.cpuLimit() * (Boolean.parseBoolean(boost) ? 2 : 1);
		DeployedProcess app = launch(container, startupCpus, platform, overrides, port, shared.resolve("cloud-run"));
		return new Deployment(service, container, app, bigQuery, monitoring, badRowSubscription);
	}

	private static Deployment startHelmDeployment() throws Exception {
		pullSubscription = "pixel-pipeline-pull-" + Long.toString(System.nanoTime(), 36);
		createTopicIfAbsent(LOG_TOPIC);
		emulator.createPullSubscription(pullSubscription, LOG_TOPIC, 10);
		String badRowTopic = cloudRun.container().env().get("PIPELINE_DEADLETTER_TOPIC");
		String badRowSubscription = watch(badRowTopic, "boot-helm");

		// The values a user must set; everything else is the chart's default.
		String rendered = new Helm(Paths.get("helm/pixel-pipeline")).template()
			.withName("pixel-pipeline")
			.withNamespace("pixel")
			.set("gcp.projectId", PROJECT)
			.set("ingest.subscription", PubSubEmulator.subscriptionPath(pullSubscription))
			.set("deadLetter.topic", badRowTopic)
			.call();
		List<Map<String, Object>> manifests = new ArrayList<>();
		for (Object document : new Yaml().loadAll(rendered)) {
			if (document != null) {
				manifests.add(cast(document));
			}
		}
		Map<String, Object> deployment = one(manifests, "Deployment");
		Map<String, Object> pod = node(deployment, "spec.template.spec");
		assertThat(pod.keySet()).as("pod settings the test either applies or names as Kubernetes-only")
			.isSubsetOf(POD_SETTINGS);
		ContainerSpec container = ContainerSpec.of(onlyContainer(pod));

		// Mount the ConfigMap as the pod does: its files in a directory, and the settings
		// that name the mount path pointed at that directory instead.
		Path config = Files.createDirectories(shared.resolve("helm-config"));
		String configVolume = configMapVolume(pod);
		String mountPath = container.volumeMounts().get(configVolume);
		assertThat(mountPath).as("mount of the ConfigMap volume %s", configVolume).isNotNull();
		Map<String, Object> files = node(one(manifests, "ConfigMap"), "data");
		assertThat(files).containsKey("application-kubernetes.yaml");
		for (Map.Entry<String, Object> file : files.entrySet()) {
			Files.writeString(config.resolve(file.getKey()), (String) file.getValue());
		}
		Map<String, String> env = new LinkedHashMap<>();
		List<String> mounted = new ArrayList<>();
		container.env().forEach((name, value) -> {
			String local = value.replace("file:" + mountPath + "/", "file:" + config.toAbsolutePath() + "/");
			if (!local.equals(value)) {
				mounted.add(name);
			}
			env.put(name, local);
		});
		assertThat(mounted).as("settings that read the mounted ConfigMap").isNotEmpty();
		ContainerSpec mountedContainer = new ContainerSpec(env, container.command(), container.args(),
				container.containerPort(), container.portName(), container.probes(), container.memoryLimitBytes(),
				container.cpuLimit(), container.volumeMounts());

		BigQueryServer bigQuery = BigQueryServer.start();
		MetricServiceStandIn monitoring = MetricServiceStandIn.start();
		Map<String, String> overrides = new LinkedHashMap<>();
		overrides.put("SPRING_CLOUD_GCP_PUBSUB_EMULATORHOST", emulator.hostPort());
		overrides.put("PIPELINE_BIGQUERY_HOST", bigQuery.host());
		overrides.put("PIPELINE_METRICS_MONITORINGHOST", monitoring.hostPort());
		overrides.put("MANAGEMENT_STACKDRIVER_METRICS_EXPORT_STEP", "2s");
		int port = PubSubEmulator.freePort();
		DeployedProcess app = launch(mountedContainer, container.cpuLimit(), Map.of("PORT", Integer.toString(port)),
				overrides, port, shared.resolve("helm"));
		return new Deployment(deployment, container, app, bigQuery, monitoring, badRowSubscription);
	}

	@Test
	void cloudRunServiceAsSetupShRendersIt() throws Exception {
		Map<String, Object> service = cloudRunService.manifest();
		Map<String, Object> revision = node(service, "spec.template.spec");
		ContainerSpec container = cloudRunService.container();
		DeployedProcess app = cloudRunService.app();
		BigQueryServer bigQuery = cloudRunService.bigQuery();
		Map<String, String> env = container.env();
		String serviceName = node(service, "metadata.name");
		int requestTimeout = ((Number) revision.get("timeoutSeconds")).intValue();
		int concurrency = ((Number) revision.get("containerConcurrency")).intValue();

		// The push subscription setup.sh creates signs its tokens for PUSH_AUDIENCE as
		// PUSH_SA_EMAIL; Cloud Run's own IAM check accepts that audience too.
		List<String> customAudiences = List
			.of(JSON.readValue((String) node(service, "metadata.annotations.run\\.googleapis\\.com/custom-audiences"),
					String[].class));
		assertThat(customAudiences).as("run.googleapis.com/custom-audiences").contains(cloudRun.pushAudience());

		Probe startup = container.probe("startupProbe");
		Duration ready = app.awaitUp(startup.path(), Duration.ofSeconds(startup.timeoutSeconds()),
				Duration.ofSeconds((long) startup.periodSeconds() * startup.failureThreshold()));
		logger.info("Cloud Run configuration ready {} ms into the test", ready.toMillis());
		assertProbesPass(app, container);
		assertOnlyHealthInfoAndPrometheusExposed(app);

		// Signed pushes, as many at once as the revision admits: all stored.
		String subscription = "projects/" + PROJECT + "/subscriptions/" + cloudRun.subscription();
		String token = "Bearer " + google.pushToken(cloudRun.pushAudience(), cloudRun.pushServiceAccount());
		String run = "cr" + Long.toString(System.nanoTime(), 36);
		Map<String, CompletableFuture<Integer>> hits = new LinkedHashMap<>();
		for (int i = 0; i < concurrency; i++) {
			String user = run + "_u" + i;
			hits.put(user,
					pushAsync(app, hitPush(run + "-" + i, user, subscription), requestTimeout, "Authorization", token));
		}
		hits.forEach((user, status) -> assertThat(status.join()).as("push of %s", user).isEqualTo(204));
		Map<String, Stored> stored = awaitStored(bigQuery, hits.keySet(), Duration.ofSeconds(30));
		String today = TABLE_DATE.format(Instant.now());
		stored.forEach((user, row) -> {
			assertThat(row.request().table()).as("template table").isEqualTo(BigQueryServer.TEMPLATE);
			assertThat(row.request().templateSuffix()).as("PIPELINE_TABLE_SUFFIX of %s", user)
				.isEqualTo(env.get("PIPELINE_TABLE_SUFFIX").replace("{user_id}", user).replace("{date}", today));
		});

		// A log entry for another path: acked, not stored.
		String ignoredEntry = Pushes.logEntry(run + "-ignored", "https://track.example.com/favicon.ico");
		assertThat(push(app, pubSubPush(run + "-ignored", ignoredEntry.getBytes(StandardCharsets.UTF_8), subscription),
				requestTimeout, "Authorization", token)
			.statusCode()).as("a log entry that is no hit").isEqualTo(204);

		// Poison: acked once it is on the bad-row topic; its log line carries the push's
		// trace.
		String traceId = "105445aa7843bc8bf206b12000100000";
		String poison = "not json {" + run;
		assertThat(push(app, pubSubPush(run + "-poison", poison.getBytes(StandardCharsets.UTF_8), subscription),
				requestTimeout, "Authorization", token, "X-Cloud-Trace-Context", traceId + "/1;o=1")
			.statusCode()).as("poison is acked as a bad row").isEqualTo(204);
		Pulled badRow = awaitBadRow(cloudRunService.badRowSubscription(), poison);
		assertThat(badRow.attributes()).containsEntry("reason", "not_json");

		// Without a token, with a forged one, or with a genuine one for another audience:
		// refused, nothing stored. The forged one is logged with its traceparent's trace.
		String refusedUser = run + "_refused";
		assertThat(push(app, hitPush(run + "-unsigned", refusedUser, subscription), requestTimeout).statusCode())
			.as("unsigned push")
			.isEqualTo(401);
		String forgedTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
		String forged = token.substring(0, token.lastIndexOf('.') + 1) + "Zm9yZ2Vk";
		assertThat(push(app, hitPush(run + "-forged", refusedUser, subscription), requestTimeout, "Authorization",
				forged, "traceparent", "00-" + forgedTrace + "-00f067aa0ba902b7-01")
			.statusCode()).as("push with a forged signature").isEqualTo(401);
		String otherAudience = "Bearer "
				+ google.pushToken("https://other.example.com/pubsub/push", cloudRun.pushServiceAccount());
		assertThat(push(app, hitPush(run + "-other-audience", refusedUser, subscription), requestTimeout,
				"Authorization", otherAudience)
			.statusCode()).as("push with a token for another audience").isEqualTo(403);

		assertMetricsExported(cloudRunService.monitoring(), serviceName);
		assertThat(committedRowsByUser(bigQuery)).as("the refused pushes stored nothing")
			.doesNotContainKey(refusedUser);
		assertThat(bigQuery.projects()).as("PIPELINE_BIGQUERY_PROJECTID")
			.containsExactly(env.get("PIPELINE_BIGQUERY_PROJECTID"));

		List<JsonNode> log = assertCloudLoggingJson(app);
		assertThat(log).as("the bad row's log line, tied to the push's trace").anySatisfy((line) -> {
			assertThat(line.path("message").asString()).contains("Bad row").contains("not_json");
			assertThat(line.path("logging.googleapis.com/trace").asString())
				.isEqualTo("projects/" + env.get("GOOGLE_CLOUD_PROJECT") + "/traces/" + traceId);
		});
		assertThat(log).as("the refused push's log line, tied to its traceparent").anySatisfy((line) -> {
			assertThat(line.path("message").asString()).contains("Push refused (401)");
			assertThat(line.path("logging.googleapis.com/trace").asString())
				.isEqualTo("projects/" + env.get("GOOGLE_CLOUD_PROJECT") + "/traces/" + forgedTrace);
		});

		// SIGTERM with pushes in flight: each is answered, and the process ends before
		// Cloud Run's SIGKILL.
		bigQuery.answerAlways(Answer.ok().after(SLOW_INSERT));
		Map<String, CompletableFuture<Integer>> inFlight = new LinkedHashMap<>();
		for (int i = 0; i < 6; i++) {
			String user = run + "_term" + i;
			inFlight.put(user, pushAsync(app, hitPush(run + "-term-" + i, user, subscription), requestTimeout,
					"Authorization", token));
		}
		PipelineApp.await(() -> receivedUsers(bigQuery).containsAll(inFlight.keySet()), Duration.ofSeconds(20),
				() -> "in-flight rows reaching BigQuery: " + receivedUsers(bigQuery));
		long pending = inFlight.values().stream().filter((answer) -> !answer.isDone()).count();
		logger.info("SIGTERM with {} of {} pushes in flight", pending, inFlight.size());
		assertThat(pending).as("pushes in flight at SIGTERM").isPositive();
		Duration exit = app.terminate(Duration.ofSeconds(30));
		assertThat(exit).as("the process exits after SIGTERM; %s", app.logs()).isNotNull();
		logger.info("Cloud Run configuration exited {} ms after SIGTERM", exit.toMillis());
		logger.info("Cloud Run configuration's stderr: {}", app.stderrLines());
		assertThat(exit).as("exit after SIGTERM, before Cloud Run's SIGKILL").isLessThan(CLOUD_RUN_SIGKILL_AFTER);
		assertCloudLoggingJson(app);
		Map<String, Stored> committed = committedRowsByUser(bigQuery);
		inFlight.forEach((user, answer) -> {
			int status = answer.join();
			assertThat(status).as("answer to the in-flight push of %s (-1: dropped)", user).isIn(204, 503);
			if (status == 204) {
				assertThat(committed).as("acked push of %s is stored", user).containsKey(user);
			}
		});
	}

	@Test
	void helmChartDeploymentInPullMode() throws Exception {
		Map<String, Object> pod = node(helmDeployment.manifest(), "spec.template.spec");
		int gracePeriod = ((Number) pod.get("terminationGracePeriodSeconds")).intValue();
		ContainerSpec container = helmDeployment.container();
		DeployedProcess app = helmDeployment.app();
		BigQueryServer bigQuery = helmDeployment.bigQuery();

		Probe startup = container.probe("startupProbe");
		Duration ready = app.awaitUp(startup.path(), Duration.ofSeconds(startup.timeoutSeconds()),
				Duration.ofSeconds((long) startup.periodSeconds() * startup.failureThreshold()));
		logger.info("Helm chart configuration ready {} ms into the test", ready.toMillis());
		assertProbesPass(app, container);
		assertOnlyHealthInfoAndPrometheusExposed(app);
		assertPushEndpointClosedInPullMode(helmDeployment);

		// Log entries published as the Cloud Logging sink does: pulled and stored.
		String run = "gk" + Long.toString(System.nanoTime(), 36);
		List<String> users = new ArrayList<>();
		List<PubSubEmulator.Message> messages = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			String user = run + "_u" + i;
			users.add(user);
			messages.add(PubSubEmulator.Message.logEntry(hitEntry(run + "-" + i, user)));
		}
		messages.add(PubSubEmulator.Message
			.logEntry(Pushes.logEntry(run + "-ignored", "https://track.example.com/favicon.ico")));
		String poison = "not json {" + run;
		messages.add(PubSubEmulator.Message.raw(poison));
		emulator.publish(LOG_TOPIC, messages);
		awaitStored(bigQuery, users, Duration.ofSeconds(30));
		assertThat(awaitBadRow(helmDeployment.badRowSubscription(), poison).attributes()).containsEntry("reason",
				"not_json");
		assertThat(bigQuery.projects()).as("pipeline.bigquery.project-id from gcp.projectId").containsExactly(PROJECT);
		assertMetricsExported(helmDeployment.monitoring(), "pixel-pipeline");
		assertCloudLoggingJson(app);

		// SIGTERM with messages in flight: the process ends within the pod's grace
		// period, and every message is stored or comes back to the subscription.
		bigQuery.answerAlways(Answer.ok().after(SLOW_INSERT));
		List<String> inFlight = new ArrayList<>();
		List<PubSubEmulator.Message> late = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			String user = run + "_term" + i;
			inFlight.add(user);
			late.add(PubSubEmulator.Message.logEntry(hitEntry(run + "-term-" + i, user)));
		}
		emulator.publish(LOG_TOPIC, late);
		PipelineApp.await(() -> receivedUsers(bigQuery).stream().anyMatch(inFlight::contains), Duration.ofSeconds(20),
				() -> "in-flight rows reaching BigQuery: " + receivedUsers(bigQuery));
		Duration exit = app.terminate(Duration.ofSeconds(gracePeriod + 20));
		assertThat(exit).as("the process exits after SIGTERM; %s", app.logs()).isNotNull();
		logger.info("Helm chart configuration exited {} ms after SIGTERM", exit.toMillis());
		logger.info("Helm chart configuration's stderr: {}", app.stderrLines());
		assertThat(exit).as("exit after SIGTERM, within terminationGracePeriodSeconds")
			.isLessThan(Duration.ofSeconds(gracePeriod));
		assertCloudLoggingJson(app);
		Set<String> stored = committedRowsByUser(bigQuery).keySet();
		List<String> unstored = inFlight.stream().filter((user) -> !stored.contains(user)).toList();
		if (!unstored.isEmpty()) {
			// Not acked: Pub/Sub hands them out again after the ack deadline.
			Set<String> back = new TreeSet<>();
			PipelineApp.await(() -> {
				emulator.pullAndAck(pullSubscription, 100).forEach((message) -> back.add(message.text()));
				return unstored.stream().allMatch((user) -> back.stream().anyMatch((m) -> m.contains(user)));
			}, Duration.ofSeconds(30), () -> "unstored " + unstored + " redelivered; back: " + back.size());
		}
	}

	/**
	 * In pull mode, where push authentication is off, {@code /pubsub/push} does not
	 * exist, so nothing that reaches the pod stores a row without a token.
	 */
	private static void assertPushEndpointClosedInPullMode(Deployment deployment) throws Exception {
		String user = "pull_mode_push_" + Long.toString(System.nanoTime(), 36);
		HttpResponse<String> response = push(deployment.app(),
				pubSubPush(user, hitEntry(user, user).getBytes(StandardCharsets.UTF_8), "projects/p/subscriptions/s"),
				30);
		assertThat(response.statusCode()).as("POST /pubsub/push in pull mode").isEqualTo(404);
		assertThat(committedRowsByUser(deployment.bigQuery())).doesNotContainKey(user);
	}

	/**
	 * Starts the ENTRYPOINT of the image layout, with the container's command and args if
	 * it sets them, the container's memory limit and the CPUs the JVM sees at start in
	 * the container, and exactly this environment: the image's, the platform's, the
	 * container's, and the overrides, which must be endpoint settings only and replace
	 * none of the container's.
	 */
	private static DeployedProcess launch(ContainerSpec container, int cpus, Map<String, String> platform,
			Map<String, String> overrides, int port, Path logs) {
		assertThat(platform.keySet()).as("platform environment").isSubsetOf(PLATFORM_ENV);
		Set<String> allowed = new TreeSet<>(ENDPOINT_OVERRIDES);
		allowed.addAll(TEST_ONLY_OVERRIDES);
		assertThat(overrides.keySet()).as("overrides are endpoint settings (and the export step) only")
			.isSubsetOf(allowed);
		assertThat(container.env().keySet()).as("the container's own settings, which no override replaces")
			.doesNotContainAnyElementsOf(overrides.keySet())
			.doesNotContainAnyElementsOf(platform.keySet());
		assertThat(container.containerPort()).as("the container port: where the app listens when PORT is unset")
			.isEqualTo(8080);

		List<String> command = new ArrayList<>(container.command().isEmpty()
				? layout.java().withoutArchive(layout.runtime().entrypoint()) : container.command());
		command.addAll(container.args());
		command = new ArrayList<>(layout.java().substitute(command));
		// The container's limits, as the JVM reads them from its cgroup.
		command.add(1, "-XX:MaxRAM=" + container.memoryLimitBytes());
		command.add(2, "-XX:ActiveProcessorCount=" + cpus);

		Map<String, String> env = new LinkedHashMap<>();
		// The image's environment: its JDK on the PATH, and the runtime stage's ENV.
		env.put("PATH", layout.java().javaHome().resolve("bin") + ":/usr/bin:/bin");
		env.put("JAVA_HOME", layout.java().javaHome().toString());
		env.putAll(layout.runtime().env());
		env.putAll(platform);
		env.putAll(container.env());
		env.putAll(overrides);
		logger.info("Starting {} with {}", command, env);
		return DeployedProcess.start(command, layout.app(), env, port, logs);
	}

	/**
	 * Every probe of the container passes as the platform judges it: its path answers 200
	 * with status UP within the probe's timeout before {@code failureThreshold}
	 * consecutive checks have failed. Liveness never depends on BigQuery or Pub/Sub;
	 * startup and readiness check the sink.
	 */
	private static void assertProbesPass(DeployedProcess app, ContainerSpec container) {
		assertThat(container.probes()).containsKeys("startupProbe", "livenessProbe");
		container.probes().forEach((kind, probe) -> {
			assertThat(probe.port()).as("%s port: the container's", kind)
				.isIn(container.containerPort(), container.portName());
			List<String> failures = new ArrayList<>();
			boolean passed = false;
			while (!passed && failures.size() < probe.failureThreshold()) {
				long started = System.nanoTime();
				HttpResponse<String> response = app.get(probe.path(), Duration.ofSeconds(probe.timeoutSeconds()));
				long took = Duration.ofNanos(System.nanoTime() - started).toMillis();
				passed = response != null && response.statusCode() == 200
						&& "UP".equals(JSON.readTree(response.body()).path("status").asString());
				if (!passed) {
					failures
						.add((response != null) ? response.statusCode() + " " + response.body() + " in " + took + " ms"
								: "no answer within " + probe.timeoutSeconds() + " s");
				}
			}
			assertThat(passed).as("%s %s passes; failed checks: %s", kind, probe.path(), failures).isTrue();
		});
	}

	private static void assertOnlyHealthInfoAndPrometheusExposed(DeployedProcess app) {
		HttpResponse<String> index = app.get("/actuator", Duration.ofSeconds(10));
		assertThat(index.statusCode()).isEqualTo(200);
		Set<String> links = new TreeSet<>();
		JSON.readTree(index.body()).path("_links").properties().forEach((link) -> links.add(link.getKey()));
		assertThat(links).as("links of /actuator")
			.contains("health", "prometheus")
			.allMatch((link) -> link.equals("self") || link.startsWith("health") || link.equals("info")
					|| link.equals("prometheus"));
		assertThat(app.get("/actuator/prometheus", Duration.ofSeconds(10)).statusCode()).isEqualTo(200);
		for (String endpoint : CLOSED_ACTUATORS) {
			HttpResponse<String> response = app.get("/actuator/" + endpoint, Duration.ofSeconds(10));
			assertThat(response.statusCode()).as("/actuator/%s", endpoint).isIn(401, 403, 404);
		}
		// The gcp profile: the load balancer serves the pixel, and there is no read API.
		for (String path : List.of("/pixel.png?user_id=u1", "/api/tables", "/api/events")) {
			assertThat(app.get(path, Duration.ofSeconds(10)).statusCode()).as(path).isEqualTo(404);
		}
	}

	/**
	 * The Stackdriver registry wrote every metric type of the app that the dashboard and
	 * the alert policies chart, for the project and service of the deployment.
	 */
	private static void assertMetricsExported(MetricServiceStandIn monitoring, String service) {
		Set<String> charted = chartedMetricTypes();
		assertThat(charted).as("the append path is charted").containsAll(PARTITIONED_LAYOUT_TYPES);
		Set<String> appTypes = new TreeSet<>();
		for (String type : charted) {
			if (PARTITIONED_LAYOUT_TYPES.contains(type)) {
				continue;
			}
			if (type.startsWith("custom.googleapis.com/")) {
				appTypes.add(type);
			}
			else {
				assertThat(PLATFORM_METRIC_PREFIXES).as("%s is written by a Google platform", type)
					.anyMatch(type::startsWith);
			}
		}
		assertThat(appTypes).as("app metrics charted").isNotEmpty();
		PipelineApp.await(() -> monitoring.metricTypes().containsAll(appTypes), Duration.ofSeconds(30), () -> {
			Set<String> missing = new TreeSet<>(appTypes);
			missing.removeAll(monitoring.metricTypes());
			return "charted metric types missing from CreateTimeSeries: " + missing + " (written: "
					+ monitoring.metricTypes() + ")";
		});
		assertThat(monitoring.timeSeriesRequests())
			.allSatisfy((request) -> assertThat(request.getName()).as("project of the export")
				.isEqualTo("projects/" + PROJECT));
		assertThat(receivedSeries(monitoring)).isNotEmpty().allSatisfy((s) -> {
			assertThat(s.getMetric().getLabelsMap()).containsEntry("service", service).containsKey("instance");
			assertThat(s.getResource().getType()).isEqualTo("global");
		});
		// The counter is cumulative: once a step with the test's messages is exported, it
		// stays positive.
		PipelineApp.await(() -> receivedSeries(monitoring).stream().anyMatch((s) -> value(s) > 0),
				Duration.ofSeconds(30), () -> "a positive pixel/events/received series");
	}

	private static List<TimeSeries> receivedSeries(MetricServiceStandIn monitoring) {
		return monitoring.timeSeries()
			.stream()
			.filter((s) -> s.getMetric().getType().equals("custom.googleapis.com/pixel/events/received"))
			.toList();
	}

	private static double value(TimeSeries series) {
		return series.getPoints(0).getValue().getDoubleValue() + series.getPoints(0).getValue().getInt64Value();
	}

	/**
	 * The metric types the rendered dashboard and alert policies chart, parsed strictly
	 * with Cloud Monitoring's own protos (an unknown field fails).
	 */
	private static Set<String> chartedMetricTypes() {
		Set<String> types = new TreeSet<>();
		try (Stream<Path> dashboards = Files.list(cloudRun.monitoring().resolve("dashboards"));
				Stream<Path> alerts = Files.list(cloudRun.monitoring().resolve("alerts"))) {
			List<Path> dashboardFiles = dashboards.toList();
			List<Path> alertFiles = alerts.toList();
			assertThat(dashboardFiles).isNotEmpty();
			assertThat(alertFiles).isNotEmpty();
			for (Path file : dashboardFiles) {
				Dashboard.Builder dashboard = Dashboard.newBuilder();
				JsonFormat.parser().merge(Files.readString(file), dashboard);
				types.addAll(metricTypes(dashboard.build(), file));
			}
			for (Path file : alertFiles) {
				AlertPolicy.Builder policy = AlertPolicy.newBuilder();
				JsonFormat.parser().merge(Files.readString(file), policy);
				types.addAll(metricTypes(policy.build(), file));
			}
		}
		catch (java.io.IOException ex) {
			throw new AssertionError("cannot read the rendered monitoring files", ex);
		}
		return types;
	}

	private static Set<String> metricTypes(Message message, Path file) {
		List<String> filters = new ArrayList<>();
		collectFilters(message, filters, file);
		Set<String> types = new TreeSet<>();
		for (String filter : filters) {
			Matcher matcher = METRIC_TYPE.matcher(filter);
			while (matcher.find()) {
				types.add(matcher.group(1));
			}
		}
		assertThat(types).as("metric types charted in %s", file.getFileName()).isNotEmpty();
		return types;
	}

	private static void collectFilters(Message message, List<String> filters, Path file) {
		for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
			String name = field.getKey().getName();
			List<?> values = field.getKey().isRepeated() ? (List<?>) field.getValue() : List.of(field.getValue());
			for (Object value : values) {
				if (value instanceof Message child) {
					collectFilters(child, filters, file);
				}
				else if (value instanceof String text && name.endsWith("filter")) {
					filters.add(text);
				}
				else if (value instanceof String text && QUERY_FIELDS.contains(name) && !text.isBlank()) {
					throw new AssertionError(file.getFileName() + " charts with " + name
							+ ", whose metric names this test does not read: " + text);
				}
			}
		}
	}

	/**
	 * Every stdout line is a JSON object Cloud Logging reads as a structured entry: a
	 * severity it knows, a message, and labels with the logger.
	 */
	private static List<JsonNode> assertCloudLoggingJson(DeployedProcess app) {
		List<JsonNode> lines = new ArrayList<>();
		for (String line : app.stdoutLines()) {
			if (line.isBlank()) {
				continue;
			}
			JsonNode node;
			try {
				node = JSON.readTree(line);
			}
			catch (RuntimeException ex) {
				throw new AssertionError("stdout line is not JSON: " + line, ex);
			}
			assertThat(node.isObject()).as("stdout line is a JSON object: %s", line).isTrue();
			assertThat(node.path("severity").asString()).as("severity of %s", line).isIn(SEVERITIES);
			assertThat(node.path("message").isString()).as("message of %s", line).isTrue();
			assertThat(node.path("logging.googleapis.com/labels").path("logger").asString()).as("labels of %s", line)
				.isNotBlank();
			lines.add(node);
		}
		assertThat(lines).as("JSON log lines on stdout").isNotEmpty();
		return lines;
	}

	/**
	 * The rendered Cloud Run service and the deploy script's values for the push
	 * subscription it creates.
	 */
	record Rendered(Map<String, Object> manifest, String pushServiceAccount, String pushAudience, String subscription,
			Path monitoring) {

		ContainerSpec container() {
			return ContainerSpec.of(onlyContainer(node(this.manifest, "spec.template.spec")));
		}

	}

	/**
	 * Runs the {@code render} function of {@code deploy/common.sh} through bash, as
	 * {@code deploy/setup.sh} does, on {@code cloud-run.yaml} and the monitoring files,
	 * with only a project set (every other name at its default).
	 */
	private static Rendered renderCloudRun(Path dir) throws Exception {
		Path yaml = dir.resolve("cloud-run.yaml");
		Path values = dir.resolve("values.txt");
		Path monitoring = dir.resolve("monitoring");
		Files.createDirectories(monitoring.resolve("dashboards"));
		Files.createDirectories(monitoring.resolve("alerts"));
		String script = """
				set -euo pipefail
				source deploy/common.sh
				render deploy/cloud-run.yaml >"$1"
				printf '%s\\n' "$PUSH_SA_EMAIL" "$PUSH_AUDIENCE" "$SUBSCRIPTION" >"$2"
				for file in "$MONITORING_DIR"/*.json; do render "$file" >"$3/dashboards/$(basename "$file")"; done
				for file in "$MONITORING_DIR"/alerts/*.json; do render "$file" >"$3/alerts/$(basename "$file")"; done
				""";
		ProcessBuilder bash = new ProcessBuilder("bash", "-c", script, "render", yaml.toString(), values.toString(),
				monitoring.toString())
			.redirectErrorStream(true)
			.redirectOutput(dir.resolve("render.log").toFile());
		bash.environment().clear();
		bash.environment().put("PATH", "/usr/bin:/bin");
		bash.environment().put("PROJECT_ID", PROJECT);
		Process process = bash.start();
		assertThat(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0)
			.as("render through deploy/common.sh: %s", Files.readString(dir.resolve("render.log")))
			.isTrue();
		List<String> lines = Files.readAllLines(values);
		Map<String, Object> manifest = new Yaml().load(Files.readString(yaml));
		return new Rendered(manifest, lines.get(0), lines.get(1), lines.get(2), monitoring);
	}

	/**
	 * The dotted paths of a manifest's settings, down to annotations, labels, the
	 * revision spec's fields and the container list.
	 */
	private static Set<String> settings(Map<String, Object> node, String prefix) {
		Set<String> paths = new TreeSet<>();
		node.forEach((key, value) -> {
			String path = prefix + key;
			if (value instanceof Map<?, ?> child && !path.equals("spec.template.spec")
					&& !path.endsWith("metadata.annotations") && !path.endsWith("metadata.labels")) {
				paths.addAll(settings(cast(child), path + "."));
			}
			else if (value instanceof Map<?, ?> child) {
				child.keySet().forEach((name) -> paths.add(path + "." + name));
			}
			else {
				paths.add(path);
			}
		});
		return paths;
	}

	private static Map<String, Object> onlyContainer(Map<String, Object> podSpec) {
		List<Map<String, Object>> containers = cast(podSpec.get("containers"));
		assertThat(containers).as("containers").hasSize(1);
		return containers.get(0);
	}

	private static String configMapVolume(Map<String, Object> pod) {
		List<Map<String, Object>> volumes = cast(pod.get("volumes"));
		return volumes.stream()
			.filter((volume) -> volume.containsKey("configMap"))
			.map((volume) -> (String) volume.get("name"))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no ConfigMap volume in " + volumes));
	}

	private static Map<String, Object> one(List<Map<String, Object>> manifests, String kind) {
		List<Map<String, Object>> matching = manifests.stream()
			.filter((document) -> kind.equals(document.get("kind")))
			.toList();
		assertThat(matching).as("one %s", kind).hasSize(1);
		return matching.get(0);
	}

	/**
	 * A subscription on the bad-row topic (created if absent), so that bad rows the app
	 * publishes can be read.
	 */
	private static String watch(String topicPath, String prefix) {
		String topicPrefix = "projects/" + PROJECT + "/topics/";
		assertThat(topicPath).as("bad-row topic").startsWith(topicPrefix);
		String topic = topicPath.substring(topicPrefix.length());
		createTopicIfAbsent(topic);
		String subscription = prefix + "-" + topic + "-" + Long.toString(System.nanoTime(), 36);
		emulator.createPullSubscription(subscription, topic, 10);
		return subscription;
	}

	private static void createTopicIfAbsent(String topic) {
		try {
			emulator.createTopic(topic);
		}
		catch (IllegalStateException ex) {
			if (ex.getMessage() == null || !ex.getMessage().contains(" 409 ")) {
				throw ex;
			}
		}
	}

	private static Pulled awaitBadRow(String subscription, String data) {
		List<Pulled> seen = new ArrayList<>();
		PipelineApp.await(() -> {
			seen.addAll(emulator.pullAndAck(subscription, 100));
			return seen.stream().anyMatch((message) -> message.text().equals(data));
		}, Duration.ofSeconds(30), () -> "bad row " + data + " on the bad-row topic; seen " + seen.size());
		return seen.stream().filter((message) -> message.text().equals(data)).findFirst().orElseThrow();
	}

	/** One committed row and the insert request that carried it. */
	record Stored(BigQueryServer.InsertAll request, BigQueryServer.Row row) {
	}

	private static Map<String, Stored> committedRowsByUser(BigQueryServer bigQuery) {
		Set<String> committed = bigQuery.committedInsertIds();
		Map<String, Stored> rows = new HashMap<>();
		for (BigQueryServer.InsertAll request : bigQuery.insertAlls()) {
			for (BigQueryServer.Row row : request.rows()) {
				if (committed.contains(row.insertId())) {
					rows.put(String.valueOf(row.json().get("user_id")), new Stored(request, row));
				}
			}
		}
		return rows;
	}

	private static Set<String> receivedUsers(BigQueryServer bigQuery) {
		Set<String> users = new TreeSet<>();
		bigQuery.insertAlls()
			.forEach(
					(request) -> request.rows().forEach((row) -> users.add(String.valueOf(row.json().get("user_id")))));
		return users;
	}

	private static Map<String, Stored> awaitStored(BigQueryServer bigQuery, java.util.Collection<String> users,
			Duration timeout) {
		PipelineApp.await(() -> committedRowsByUser(bigQuery).keySet().containsAll(users), timeout, () -> {
			Set<String> missing = new TreeSet<>(users);
			missing.removeAll(committedRowsByUser(bigQuery).keySet());
			return "rows missing from BigQuery: " + missing;
		});
		Map<String, Stored> stored = committedRowsByUser(bigQuery);
		stored.keySet().retainAll(users);
		return stored;
	}

	/** A load balancer LogEntry of a pixel hit; its insertId is also the message id. */
	private static String hitEntry(String insertId, String user) {
		return Pushes.logEntry(insertId, "https://track.example.com/pixel.png?user_id=" + user + "&type=view");
	}

	private static String hitPush(String id, String user, String subscription) {
		return pubSubPush(id, hitEntry(id, user).getBytes(StandardCharsets.UTF_8), subscription);
	}

	/**
	 * A wrapped push as Pub/Sub sends it for a subscription with a dead-letter policy
	 * (which reports the delivery attempt), of a message a Cloud Logging sink published.
	 */
	private static String pubSubPush(String messageId, byte[] data, String subscription) {
		String now = Instant.now().toString();
		ObjectNode body = JSON.createObjectNode();
		ObjectNode message = body.putObject("message");
		message.putObject("attributes").put(PubSubEmulator.LOGGING_TIMESTAMP, now);
		message.put("data", Base64.getEncoder().encodeToString(data));
		message.put("messageId", messageId);
		message.put("message_id", messageId);
		message.put("publishTime", now);
		message.put("publish_time", now);
		body.put("subscription", subscription);
		body.put("deliveryAttempt", 1);
		return body.toString();
	}

	private static HttpRequest pushRequest(DeployedProcess app, String body, int timeoutSeconds, String... headers) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(app.url("/pubsub/push")))
			.timeout(Duration.ofSeconds(timeoutSeconds))
			.header("Content-Type", "application/json")
			.header("User-Agent", "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)")
			.POST(HttpRequest.BodyPublishers.ofString(body));
		if (headers.length > 0) {
			request.headers(headers);
		}
		return request.build();
	}

	private static HttpResponse<String> push(DeployedProcess app, String body, int timeoutSeconds, String... headers)
			throws Exception {
		return HTTP.send(pushRequest(app, body, timeoutSeconds, headers), HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * Sends a push; its status, or -1 when no answer came within the request timeout
	 * (Cloud Run's {@code timeoutSeconds}) or the connection failed.
	 */
	private static CompletableFuture<Integer> pushAsync(DeployedProcess app, String body, int timeoutSeconds,
			String... headers) {
		return HTTP.sendAsync(pushRequest(app, body, timeoutSeconds, headers), HttpResponse.BodyHandlers.discarding())
			.thenApply(HttpResponse::statusCode)
			.exceptionally((ex) -> -1);
	}

	@SuppressWarnings("unchecked")
	private static <T> T node(Map<String, Object> root, String path) {
		Object current = root;
		for (String key : path.split("(?<!\\\\)\\.")) {
			assertThat(current).as("%s in the manifest", path).isInstanceOf(Map.class);
			current = ((Map<String, Object>) current).get(key.replace("\\.", "."));
		}
		assertThat(current).as("%s in the manifest", path).isNotNull();
		return (T) current;
	}

	@SuppressWarnings("unchecked")
	private static <T> T cast(Object value) {
		return (T) value;
	}

}
