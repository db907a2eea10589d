package dev.pixelpipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Lints and renders the Helm chart with the real Helm library and checks the manifests it
 * produces, for the defaults and for non-default values. An integration test (failsafe):
 * the Helm library runs natively in-process and starts a Spring context, and in
 * surefire's shared JVM that breaks Jazzer's fuzz tests that run after it.
 */
class HelmChartIntegrationTests {

	private static final Path CHART = Paths.get("helm/pixel-pipeline");

	@TempDir
	Path temp;

	@Test
	void lintIsClean() {
		LintResult result = new Helm(CHART).lint().strict().call();
		assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
		assertThat(result.getMessages())
			.noneMatch((message) -> message.contains("[ERROR]") || message.contains("[WARNING]"));
	}

	@Test
	void defaultsRenderAPullModeDeploymentHardenedAndProbed() {
		Manifests manifests = render(template());
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
		assertThat(at(pipeline, "bigquery.dataset")).isEqualTo("pixel_tracking");
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
			.set("deadLetter.topic", "projects/demo-project/topics/pixel-dead-letter")
			.set("extraConfig.table.suffix", ""));
		assertThat(at(manifests.one("ServiceAccount"), "metadata.annotations"))
			.isEqualTo(Map.of("iam.gke.io/gcp-service-account", "pixel-gke@demo-project.iam.gserviceaccount.com"));
		assertThat(env(container(manifests.one("Deployment")))).containsEntry("GOOGLE_CLOUD_PROJECT", "demo-project");
		Map<String, Object> pipeline = pipelineSettings(manifests);
		assertThat(at(pipeline, "ingest.subscription")).isEqualTo("projects/demo-project/subscriptions/pixel-pull");
		assertThat(at(pipeline, "bigquery.project-id")).isEqualTo("demo-project");
		assertThat(at(pipeline, "dead-letter.topic")).isEqualTo("projects/demo-project/topics/pixel-dead-letter");
		assertThat(at(pipeline, "table.suffix")).as("extra pipeline.* settings pass through").isEqualTo("");
	}

	@Test
	void pushModeBehindIngressWithServiceMonitorAndFixedReplicas() throws Exception {
		Path values = this.temp.resolve("push.yaml");
		Files.writeString(values, """
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
		Manifests manifests = render(template().set("gcp.projectId", "demo-project"));
		Path config = Files.createDirectories(this.temp.resolve("config"));
		Map<String, Object> data = node(manifests.one("ConfigMap"), "data");
		for (Map.Entry<String, Object> file : data.entrySet()) {
			Files.writeString(config.resolve(file.getKey()), (String) file.getValue());
		}
		Map<String, String> env = env(container(manifests.one("Deployment")));
		SpringApplication application = new SpringApplication(Settings.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		try (ConfigurableApplicationContext context = application.run(
				"--spring.profiles.active=" + env.get("SPRING_PROFILES_ACTIVE"),
				"--spring.config.additional-location=" + env.get("SPRING_CONFIG_ADDITIONAL_LOCATION")
					.replace("/config/", config.toAbsolutePath() + "/"))) {
			Environment environment = context.getEnvironment();
			assertThat(environment.getProperty("pipeline.push.auth.enabled")).as("the gcp profile says true")
				.isEqualTo("false");
			assertThat(environment.getProperty("pipeline.ingest.mode")).isEqualTo("pull");
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
				template().set("autoscaling.minReplicas", "4").set("autoscaling.maxReplicas", "25"));
		Map<String, Object> hpa = manifests.one("HorizontalPodAutoscaler");
		assertThat(at(hpa, "spec.minReplicas")).isEqualTo(4);
		assertThat(at(hpa, "spec.maxReplicas")).isEqualTo(25);
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
		assertThatThrownBy(() -> template().set("ingress.enabled", "true").call())
			.hasMessageContaining("ingress.enabled needs ingest.mode=push");
	}

	private static TemplateCommand template() {
		return new Helm(CHART).template().withName("demo").withNamespace("pixel");
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
		Map<String, String> result = new java.util.LinkedHashMap<>();
		env.forEach((variable) -> result.put((String) variable.get("name"), (String) variable.get("value")));
		return result;
	}

	private static Map<String, String> mountPaths(Map<String, Object> container) {
		List<Map<String, Object>> mounts = node(container, "volumeMounts");
		Map<String, String> result = new java.util.LinkedHashMap<>();
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
