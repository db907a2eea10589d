package dev.pixelpipeline.support;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One container of a rendered Kubernetes or Knative (Cloud Run) manifest: what a test
 * needs to start the application as that container would run.
 *
 * @param env the environment variables, in order; every one must have a literal value
 * @param command {@code command} (replaces the image's ENTRYPOINT), empty when unset
 * @param args {@code args} (replace the image's CMD), empty when unset
 * @param containerPort the single port the container listens on
 * @param portName that port's name, or {@code null}
 * @param probes the probes by kind ({@code startupProbe}, {@code livenessProbe},
 * {@code readinessProbe})
 * @param memoryLimitBytes {@code resources.limits.memory} in bytes
 * @param cpuLimit {@code resources.limits.cpu}, rounded up to whole CPUs
 * @param volumeMounts mount path by volume name
 */
public record ContainerSpec(Map<String, String> env, List<String> command, List<String> args, int containerPort,
		String portName, Map<String, Probe> probes, long memoryLimitBytes, int cpuLimit,
		Map<String, String> volumeMounts) {

	/**
	 * The container settings a test applies when it starts the app: the environment,
	 * command and args, the port, the probes, the memory and CPU limits, and the volume
	 * mounts (a test maps them to local directories).
	 */
	public static final Set<String> APPLIED = Set.of("env", "command", "args", "ports", "startupProbe", "livenessProbe",
			"readinessProbe", "resources", "volumeMounts");

	/**
	 * The container settings only a container runtime applies: the image (the test builds
	 * its layout from the Dockerfile instead), its pull policy, the security context.
	 */
	public static final Set<String> RUNTIME_ONLY = Set.of("name", "image", "imagePullPolicy", "securityContext");

	/**
	 * An HTTP probe.
	 *
	 * @param path the path it GETs
	 * @param port its port, a number or a port name
	 * @param periodSeconds seconds between checks
	 * @param timeoutSeconds how long one check may take (Kubernetes' default 1 when
	 * unset)
	 * @param failureThreshold failed checks before it gives up (default 3)
	 */
	public record Probe(String path, Object port, int periodSeconds, int timeoutSeconds, int failureThreshold) {
	}

	/** Reads a container map of a parsed manifest. */
	@SuppressWarnings("unchecked")
	public static ContainerSpec of(Map<String, Object> container) {
		Set<String> known = new java.util.TreeSet<>(APPLIED);
		known.addAll(RUNTIME_ONLY);
		assertThat(container.keySet()).as("container settings a test either applies or names as runtime-only")
			.isSubsetOf(known);
		Map<String, String> env = new LinkedHashMap<>();
		for (Map<String, Object> variable : (List<Map<String, Object>>) container.getOrDefault("env", List.of())) {
			assertThat(variable).as("env %s has a literal value (no valueFrom the test cannot reproduce)", variable)
				.containsOnlyKeys("name", "value");
			assertThat(env.put((String) variable.get("name"), String.valueOf(variable.get("value"))))
				.as("env %s set once", variable.get("name"))
				.isNull();
		}
		List<Map<String, Object>> ports = (List<Map<String, Object>>) container.get("ports");
		assertThat(ports).as("container ports").hasSize(1);
		Map<String, Probe> probes = new LinkedHashMap<>();
		for (String kind : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
			Map<String, Object> probe = (Map<String, Object>) container.get(kind);
			if (probe != null) {
				Map<String, Object> http = (Map<String, Object>) probe.get("httpGet");
				assertThat(http).as("%s is an HTTP probe", kind).isNotNull();
				probes.put(kind,
						new Probe((String) http.get("path"), http.get("port"), number(probe, "periodSeconds", 10),
								number(probe, "timeoutSeconds", 1), number(probe, "failureThreshold", 3)));
			}
		}
		Map<String, Object> limits = (Map<String, Object>) ((Map<String, Object>) container.get("resources"))
			.get("limits");
		Map<String, String> mounts = new LinkedHashMap<>();
		for (Map<String, Object> mount : (List<Map<String, Object>>) container.getOrDefault("volumeMounts",
				List.of())) {
			mounts.put((String) mount.get("name"), (String) mount.get("mountPath"));
		}
		return new ContainerSpec(env, strings(container.get("command")), strings(container.get("args")),
				(Integer) ports.get(0).get("containerPort"), (String) ports.get(0).get("name"), probes,
				bytes(String.valueOf(limits.get("memory"))), cpus(String.valueOf(limits.get("cpu"))), mounts);
	}

	/** The probe of that kind, which must exist. */
	public Probe probe(String kind) {
		Probe probe = this.probes.get(kind);
		assertThat(probe).as("the container's %s", kind).isNotNull();
		return probe;
	}

	@SuppressWarnings("unchecked")
	private static List<String> strings(Object value) {
		return (value != null) ? List.copyOf((List<String>) value) : List.of();
	}

	private static int number(Map<String, Object> map, String key, int unset) {
		Object value = map.get(key);
		return (value != null) ? ((Number) value).intValue() : unset;
	}

	/**
	 * A Kubernetes memory quantity ({@code 512Mi}, {@code 1Gi}, {@code 500M}) in bytes.
	 */
	static long bytes(String quantity) {
		String[][] units = { { "Ki", "1024" }, { "Mi", "1048576" }, { "Gi", "1073741824" }, { "K", "1000" },
				{ "M", "1000000" }, { "G", "1000000000" } };
		for (String[] unit : units) {
			if (quantity.endsWith(unit[0])) {
				return Long.parseLong(quantity.substring(0, quantity.length() - unit[0].length()))
						* Long.parseLong(unit[1]);
			}
		}
		return Long.parseLong(quantity);
	}

	/** A Kubernetes CPU quantity ({@code 1}, {@code 500m}) in whole CPUs, rounded up. */
	static int cpus(String quantity) {
		if (quantity.endsWith("m")) {
			return (int) Math.ceil(Long.parseLong(quantity.substring(0, quantity.length() - 1)) / 1000.0);
		}
		return (int) Math.ceil(Double.parseDouble(quantity));
	}

}
