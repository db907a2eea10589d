package dev.pixelpipeline.deploy;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pixelpipeline.support.ContainerEnvironment;
import dev.pixelpipeline.support.DeploySettings;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Cloud Run service's probes allow for the checks they call: the startup probe calls
 * /actuator/health/readiness, which waits up to pipeline.bigquery.health-timeout for
 * BigQuery, read here from the app's configuration as the container of
 * deploy/cloud-run.yaml sees it (its profile and environment), so that a drift on either
 * side fails. An integration test (failsafe): it starts a Spring context with the gcp
 * profile, whose JSON logging would change the log format of surefire's shared JVM.
 */
class CloudRunProbeIntegrationTests {

	private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z_]+)\\}");

	@Test
	void startupProbeTimeoutCoversTheReadinessCheck() throws Exception {
		Map<String, Object> container = container();
		Map<String, String> env = env(container);
		assertThat(env).containsEntry("SPRING_PROFILES_ACTIVE", "gcp");
		Duration healthTimeout = ContainerEnvironment.bigQueryHealthTimeout(env);
		assertThat(healthTimeout).as("pipeline.bigquery.health-timeout").isPositive();

		Map<String, Object> startup = probe(container, "startupProbe");
		assertThat(path(startup)).isEqualTo("/actuator/health/readiness");
		assertThat(tooShort(startup, healthTimeout))
			.as("startupProbe.timeoutSeconds %s for a %s health timeout", startup.get("timeoutSeconds"), healthTimeout)
			.isFalse();
		// Cloud Run refuses a probe whose timeout is longer than its period.
		assertThat(seconds(startup, "timeoutSeconds")).isLessThanOrEqualTo(seconds(startup, "periodSeconds"));
		assertThat(path(probe(container, "livenessProbe"))).as("liveness looks at the process only")
			.isEqualTo("/actuator/health/liveness");

		// The check sees a drift: a longer health timeout in the container's environment.
		env.put("PIPELINE_BIGQUERY_HEALTHTIMEOUT", "10s");
		Duration longer = ContainerEnvironment.bigQueryHealthTimeout(env);
		assertThat(longer).isEqualTo(Duration.ofSeconds(10));
		assertThat(tooShort(startup, longer)).isTrue();
	}

	/**
	 * Whether a probe's timeout leaves less than a second beyond the health timeout for
	 * the rest of the check and the round trip.
	 */
	private static boolean tooShort(Map<String, Object> probe, Duration healthTimeout) {
		return Duration.ofSeconds(seconds(probe, "timeoutSeconds")).compareTo(healthTimeout.plusSeconds(1)) < 0;
	}

	/** The single container of deploy/cloud-run.yaml, its placeholders filled in. */
	private static Map<String, Object> container() throws Exception {
		String yaml = Files.readString(Paths.get("deploy/cloud-run.yaml"));
		// As setup.sh fills them: the values of deploy/settings.env (the service binds
		// some,
		// such as the layout, to enums), a sample for the rest, which do not matter to
		// the
		// probes or the timeout.
		Map<String, String> settings = DeploySettings.load();
		String rendered = PLACEHOLDER.matcher(yaml)
			.replaceAll((match) -> Matcher.quoteReplacement(
					settings.getOrDefault(match.group(1), "sample-" + match.group(1).toLowerCase().replace('_', '-'))));
		Map<String, Object> service = new Yaml().load(rendered);
		Map<String, Object> spec = cast(service.get("spec"));
		Map<String, Object> template = cast(spec.get("template"));
		Map<String, Object> podSpec = cast(template.get("spec"));
		List<Map<String, Object>> containers = cast(podSpec.get("containers"));
		assertThat(containers).hasSize(1);
		return containers.get(0);
	}

	private static Map<String, String> env(Map<String, Object> container) {
		List<Map<String, Object>> variables = cast(container.get("env"));
		Map<String, String> env = new LinkedHashMap<>();
		variables.forEach((variable) -> env.put((String) variable.get("name"), String.valueOf(variable.get("value"))));
		return env;
	}

	private static Map<String, Object> probe(Map<String, Object> container, String name) {
		Map<String, Object> probe = cast(container.get(name));
		assertThat(probe).as(name).isNotNull();
		return probe;
	}

	private static String path(Map<String, Object> probe) {
		Map<String, Object> httpGet = cast(probe.get("httpGet"));
		return (String) httpGet.get("path");
	}

	/** A probe's setting in seconds; Cloud Run's default timeout is 1 second. */
	private static long seconds(Map<String, Object> probe, String setting) {
		Object value = probe.get(setting);
		return (value != null) ? ((Number) value).longValue() : 1;
	}

	@SuppressWarnings("unchecked")
	private static <T> T cast(Object value) {
		return (T) value;
	}

}
