package dev.pixelpipeline.web;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.pixelpipeline.config.ConditionalOnReadApi;
import dev.pixelpipeline.ingest.PipelineMetrics;
import dev.pixelpipeline.parse.HitParser;
import dev.pixelpipeline.store.embedded.EmbeddedReads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/stats}: what the local page charts. Rows per minute over the last hour
 * from the embedded store, and the pipeline's counters and lag from the meter registry
 * (since this process started).
 */
@RestController
@ConditionalOnReadApi
class StatsController {

	static final int MINUTES = 60;

	private final EmbeddedReads reads;

	private final MeterRegistry registry;

	private final Clock clock;

	StatsController(EmbeddedReads reads, MeterRegistry registry, Clock clock) {
		this.reads = reads;
		this.registry = registry;
		this.clock = clock;
	}

	/** The answer of {@code /api/stats}. */
	record Stats(Instant now, List<EmbeddedReads.MinuteCount> rowsPerMinute, Map<String, Double> counters, Lag lag) {
	}

	/** Stored time minus event time, in milliseconds, over this process's recent rows. */
	record Lag(long count, double meanMs, double maxMs, Map<String, Double> percentilesMs) {
	}

	@GetMapping("/api/stats")
	Stats stats() throws SQLException {
		Instant now = this.clock.instant();
		Instant first = now.truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(MINUTES - 1));
		Map<Instant, Long> counted = new HashMap<>();
		for (EmbeddedReads.MinuteCount minute : this.reads.rowsPerMinute(first)) {
			counted.put(minute.minute(), minute.rows());
		}
		List<EmbeddedReads.MinuteCount> minutes = new ArrayList<>(MINUTES);
		for (int i = 0; i < MINUTES; i++) {
			Instant minute = first.plus(Duration.ofMinutes(i));
			minutes.add(new EmbeddedReads.MinuteCount(minute, counted.getOrDefault(minute, 0L)));
		}
		Map<String, Double> counters = new LinkedHashMap<>();
		counters.put("received", total(PipelineMetrics.RECEIVED));
		counters.put("stored", total(PipelineMetrics.STORED));
		counters.put("ignored", total(PipelineMetrics.IGNORED));
		counters.put("bad", total(PipelineMetrics.BAD));
		counters.put("bots_tagged", total(PipelineMetrics.BOTS));
		Counter dropped = this.registry.find(PipelineMetrics.IGNORED).tag("reason", HitParser.BOT).counter();
		counters.put("bots_dropped", (dropped != null) ? dropped.count() : 0.0);
		return new Stats(now, minutes, counters, lag());
	}

	private double total(String name) {
		return this.registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
	}

	private Lag lag() {
		Timer timer = this.registry.find(PipelineMetrics.LAG).timer();
		if (timer == null) {
			return new Lag(0, 0, 0, Map.of());
		}
		HistogramSnapshot snapshot = timer.takeSnapshot();
		Map<String, Double> percentiles = new LinkedHashMap<>();
		for (ValueAtPercentile value : snapshot.percentileValues()) {
			percentiles.put("p" + Math.round(value.percentile() * 100), value.value(TimeUnit.MILLISECONDS));
		}
		return new Lag(timer.count(), timer.mean(TimeUnit.MILLISECONDS), timer.max(TimeUnit.MILLISECONDS), percentiles);
	}

}
