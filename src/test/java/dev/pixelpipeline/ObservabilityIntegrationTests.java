package dev.pixelpipeline;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.pixelpipeline.support.TestTraffic;
import dev.pixelpipeline.ingest.PipelineMetrics;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.distribution.HistogramSupport;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.stackdriver.StackdriverNamingConvention;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Starts the app, sends every kind of traffic, and checks what operators see: the
 * Prometheus scrape, the health probes, and that the dashboards and alerts in
 * {@code deploy/} name only metrics the app emits.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "pipeline.embedded.path=:memory:" })
class ObservabilityIntegrationTests {

	private static final Pattern CLOUD_MONITORING_METRIC = Pattern
		.compile("custom\\.googleapis\\.com/(pixel/[A-Za-z0-9_/]+)");

	private static final Pattern CLOUD_MONITORING_LABEL = Pattern.compile("metric\\.labels?\\.([A-Za-z0-9_]+)");

	private static final Pattern PROMETHEUS_METRIC = Pattern.compile("\\bpixel_[a-z0-9_]+");

	private static final JsonMapper json = JsonMapper.builder().build();

	/**
	 * Meters that only another configuration registers, so this embedded run cannot show
	 * them, with their tags: the Storage Write API's failed appends
	 * ({@code pipeline.bigquery.layout=partitioned}) and the template layout's new-table
	 * gauge ({@code pipeline.sink=bigquery} with a suffix; TableLimitIntegrationTests
	 * scrapes it). Both dashboards must still chart each of them.
	 */
	private static final Map<String, Set<String>> OTHER_CONFIGURATION_METERS = Map.of("pixel.bigquery.append.errors",
			Set.of("code"), "pixel.table.new", Set.of());

	@LocalServerPort
	int port;

	@Autowired
	MeterRegistry registry;

	TestTraffic traffic;

	@BeforeEach
	void traffic() {
		this.traffic = new TestTraffic(this.port);
		this.traffic.everyKind(Long.toString(System.nanoTime()));
	}

	@Test
	void prometheusShowsEveryPipelineMetricWithValuesAfterTraffic() {
		HttpResponse<String> scrape = this.traffic.get("/actuator/prometheus");
		assertThat(scrape.statusCode()).isEqualTo(200);
		Map<String, Double> samples = samples(scrape.body());
		assertThat(samples.get("pixel_events_received_total{delivery=\"local-pixel\",revision=\"local\","
				+ "service=\"pixel-pipeline\"}"))
			.isGreaterThanOrEqualTo(1);
		assertThat(samples.get("pixel_events_received_total{delivery=\"push-wrapped\",revision=\"local\","
				+ "service=\"pixel-pipeline\"}"))
			.isGreaterThanOrEqualTo(3);
		assertThat(sum(samples, "pixel_events_stored_total{", "sink=\"embedded\"")).isGreaterThanOrEqualTo(2);
		assertThat(sum(samples, "pixel_events_ignored_total{", "reason=\"other_path\"")).isGreaterThanOrEqualTo(1);
		assertThat(sum(samples, "pixel_events_bad_total{", "reason=\"not_json\"")).isGreaterThanOrEqualTo(1);
		assertThat(sum(samples, "pixel_events_lag_seconds_count{", "")).isGreaterThanOrEqualTo(1);
		assertThat(sum(samples, "pixel_events_lag_seconds_bucket{", "le=\"+Inf\"")).isGreaterThanOrEqualTo(1);
		assertThat(sum(samples, "pixel_sink_insert_seconds_count{", "outcome=\"success\"")).isGreaterThanOrEqualTo(1);
		assertThat(sum(samples, "pixel_sink_batch_rows_count{", "sink=\"embedded\"")).isGreaterThanOrEqualTo(1);
		assertThat(sum(samples, "pixel_sink_batch_rows_sum{", "sink=\"embedded\"")).isGreaterThanOrEqualTo(1);
		assertThat(sum(samples, "pixel_push_responses_total{", "status=\"204\"")).isGreaterThanOrEqualTo(3);
		assertThat(sum(samples, "pixel_push_responses_total{", "status=\"400\"")).isGreaterThanOrEqualTo(1);
		// Pre-registered at zero so that the 5xx ratio has its series before the first
		// failure.
		assertThat(samples)
			.containsKey("pixel_push_responses_total{revision=\"local\",service=\"pixel-pipeline\",status=\"503\"}");
		assertThat(sum(samples, "pixel_pubsub_delivery_attempt_count{", "")).isGreaterThanOrEqualTo(1);
		assertThat(sum(samples, "pixel_pubsub_delivery_attempt_max{", "")).isEqualTo(2);
		// The push servlet names its route for http.server.requests like a controller
		// would, and Spring Security's per-filter observations stay off.
		assertThat(sum(samples, "http_server_requests_seconds_count{", "uri=\"/pubsub/push\""))
			.isGreaterThanOrEqualTo(3);
		assertThat(samples.keySet()).noneMatch((name) -> name.startsWith("spring_security_"));
	}

	@Test
	void dashboardsAndAlertsReferenceOnlyEmittedMetrics() throws IOException {
		Set<String> prometheusNames = new TreeSet<>();
		for (String key : samples(this.traffic.get("/actuator/prometheus").body()).keySet()) {
			prometheusNames.add(key.replaceAll("[{ ].*", ""));
		}
		Set<String> cloudMonitoringTypes = cloudMonitoringTypes();
		Set<String> labels = new TreeSet<>(Set.of("service", "revision", "instance"));
		Set<String> otherTypes = new TreeSet<>();
		Set<String> otherPrometheusNames = new TreeSet<>();
		OTHER_CONFIGURATION_METERS.forEach((meter, tags) -> {
			assertThat(this.registry.find(meter).meters()).as("%s is not registered in this configuration", meter)
				.isEmpty();
			otherTypes.add(meter.replace('.', '/'));
			otherPrometheusNames.add(meter.replace('.', '_') + (meter.endsWith("errors") ? "_total" : ""));
			labels.addAll(tags);
		});
		cloudMonitoringTypes.addAll(otherTypes);
		prometheusNames.addAll(otherPrometheusNames);
		this.registry.getMeters()
			.stream()
			.filter((meter) -> meter.getId().getName().startsWith("pixel."))
			.forEach((meter) -> meter.getId().getTags().forEach((tag) -> labels.add(tag.getKey())));

		Set<String> referencedMeters = new TreeSet<>();
		List<Path> cloudMonitoringFiles;
		try (Stream<Path> files = Files.walk(Path.of("deploy/monitoring"))) {
			cloudMonitoringFiles = files.filter((file) -> file.toString().endsWith(".json")).sorted().toList();
		}
		assertThat(cloudMonitoringFiles).contains(Path.of("deploy/monitoring/dashboard.json"))
			.hasSizeGreaterThanOrEqualTo(5);
		for (Path file : cloudMonitoringFiles) {
			List<String> filters = texts(json.readTree(file.toFile()), "filter", "denominatorFilter");
			Set<String> metrics = matches(CLOUD_MONITORING_METRIC, filters);
			if (!file.getFileName().toString().startsWith("dead-letter")) {
				assertThat(metrics).as("pixel metrics in %s", file).isNotEmpty();
			}
			assertThat(metrics).as("Cloud Monitoring metric types in %s", file).isSubsetOf(cloudMonitoringTypes);
			assertThat(matches(CLOUD_MONITORING_LABEL, filters)).as("metric labels in %s", file).isSubsetOf(labels);
			metrics.forEach((type) -> referencedMeters.add(meterName(type)));
		}
		JsonNode dashboard = json.readTree(Path.of("deploy/monitoring/dashboard.json").toFile());
		assertThat(dashboard.path("displayName").asString()).isNotBlank();
		assertThat(dashboard.path("mosaicLayout").path("tiles").size()).isGreaterThanOrEqualTo(8);
		JsonNode deadLetter = json.readTree(Path.of("deploy/monitoring/alerts/dead-letter-backlog.json").toFile());
		assertThat(texts(deadLetter, "filter"))
			.anyMatch((f) -> f.contains("pubsub.googleapis.com/subscription/num_undelivered_messages"));

		JsonNode grafana = json.readTree(Path.of("deploy/grafana/pixel-pipeline.json").toFile());
		Set<String> promQl = matches(PROMETHEUS_METRIC, texts(grafana, "expr"));
		assertThat(promQl).as("Prometheus series in the Grafana dashboard").isNotEmpty().isSubsetOf(prometheusNames);

		// Every metric of the pipeline is on both dashboards.
		List<String> meters = new java.util.ArrayList<>(List.of(PipelineMetrics.RECEIVED, PipelineMetrics.STORED,
				PipelineMetrics.IGNORED, PipelineMetrics.BAD, PipelineMetrics.LAG, PipelineMetrics.INSERT,
				PipelineMetrics.BATCH_ROWS, PipelineMetrics.PUSH_RESPONSES, PipelineMetrics.DELIVERY_ATTEMPT));
		meters.addAll(OTHER_CONFIGURATION_METERS.keySet());
		for (String meter : meters) {
			assertThat(referencedMeters).as("Cloud Monitoring files show %s", meter).contains(meter);
			String prometheusBase = meter.replace('.', '_');
			assertThat(promQl).as("Grafana shows %s", meter).anyMatch((name) -> name.startsWith(prometheusBase));
		}
	}

	@Test
	void livenessAndReadinessAreUp() throws IOException {
		for (String probe : List.of("/actuator/health/liveness", "/actuator/health/readiness")) {
			HttpResponse<String> response = this.traffic.get(probe);
			assertThat(response.statusCode()).as(probe).isEqualTo(200);
			assertThat(json.readTree(response.body()).path("status").asString()).as(probe).isEqualTo("UP");
		}
	}

	/**
	 * The metric types micrometer-registry-stackdriver writes for the app's pixel meters:
	 * the name with its naming convention (dots become slashes) under
	 * {@code custom.googleapis.com/}, and for timers and summaries the distribution plus
	 * {@code /max}, {@code /count} and one {@code /pNN} per published percentile.
	 */
	private Set<String> cloudMonitoringTypes() {
		StackdriverNamingConvention convention = new StackdriverNamingConvention();
		Set<String> types = new TreeSet<>();
		for (Meter meter : this.registry.getMeters()) {
			Meter.Id id = meter.getId();
			if (!id.getName().startsWith("pixel.")) {
				continue;
			}
			String base = convention.name(id.getName(), id.getType(), id.getBaseUnit());
			types.add(base);
			if (meter instanceof HistogramSupport histogram) {
				types.add(base + "/max");
				types.add(base + "/count");
				for (ValueAtPercentile percentile : histogram.takeSnapshot().percentileValues()) {
					types.add(base + "/p" + Math.round(percentile.percentile() * 100));
				}
			}
		}
		return types;
	}

	/**
	 * The meter a Cloud Monitoring type or Prometheus series comes from, to check
	 * coverage.
	 */
	private static String meterName(String reference) {
		return reference.replaceAll("/(max|count|p\\d+)$", "").replace('/', '.');
	}

	private static List<String> texts(JsonNode node, String... fields) {
		List<String> found = new java.util.ArrayList<>();
		for (String field : fields) {
			node.findValues(field).forEach((value) -> found.add(value.asString()));
		}
		return found;
	}

	private static Set<String> matches(Pattern pattern, List<String> texts) {
		Set<String> found = new TreeSet<>();
		for (String text : texts) {
			Matcher matcher = pattern.matcher(text);
			while (matcher.find()) {
				found.add((matcher.groupCount() > 0) ? matcher.group(1) : matcher.group());
			}
		}
		return found;
	}

	private static Map<String, Double> samples(String exposition) {
		Map<String, Double> samples = new HashMap<>();
		for (String line : exposition.split("\n")) {
			if (line.isBlank() || line.startsWith("#")) {
				continue;
			}
			int space = line.lastIndexOf(' ');
			samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
		}
		return samples;
	}

	private static double sum(Map<String, Double> samples, String prefix, String containing) {
		return samples.entrySet()
			.stream()
			.filter((e) -> e.getKey().startsWith(prefix) && e.getKey().contains(containing))
			.mapToDouble(Map.Entry::getValue)
			.sum();
	}

}
