package dev.pixelpipeline.ingest;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import dev.pixelpipeline.store.BatchingSink;
import dev.pixelpipeline.store.RowResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The pipeline's Micrometer meters. Their names are an interface: the dashboards and alerts in {@code deploy/} use
 * them.
 */
public final class PipelineMetrics implements BatchingSink.BatchListener {

	/** Messages received, tag {@code delivery}. */
	public static final String RECEIVED = "pixel.events.received";

	/** Rows stored, tag {@code sink}. */
	public static final String STORED = "pixel.events.stored";

	/** Messages ignored on purpose, tag {@code reason}. */
	public static final String IGNORED = "pixel.events.ignored";

	/** Bad rows, tag {@code reason}. */
	public static final String BAD = "pixel.events.bad";

	/** Stored time minus event time: how fresh the data is. */
	public static final String LAG = "pixel.events.lag";

	/** Batch writes, tags {@code sink} and {@code outcome}. */
	public static final String INSERT = "pixel.sink.insert";

	/** Rows per batch write, tag {@code sink}. */
	public static final String BATCH_ROWS = "pixel.sink.batch.rows";

	/** Push answers, tag {@code status}. */
	public static final String PUSH_RESPONSES = "pixel.push.responses";

	/** Pub/Sub's delivery attempt, where it reports one. */
	public static final String DELIVERY_ATTEMPT = "pixel.pubsub.delivery.attempt";

	private final MeterRegistry registry;

	private final Map<String, Counter> counters = new ConcurrentHashMap<>();

	private final Timer lag;

	private final DistributionSummary deliveryAttempt;

	public PipelineMetrics(MeterRegistry registry) {
		this.registry = registry;
		this.lag = Timer.builder(LAG)
			.description("Stored time minus event time")
			.publishPercentiles(0.5, 0.95, 0.99)
			.publishPercentileHistogram()
			.minimumExpectedValue(Duration.ofMillis(1))
			.maximumExpectedValue(Duration.ofHours(1))
			.register(registry);
		this.deliveryAttempt = DistributionSummary.builder(DELIVERY_ATTEMPT)
			.description("Pub/Sub delivery attempt of pushed messages")
			.register(registry);
	}

	private Counter counter(String name, String tag, String value) {
		String tagValue = (value != null) ? value : "none";
		return this.counters.computeIfAbsent(name + '\u0000' + tag + '\u0000' + tagValue,
				(key) -> Counter.builder(name).tag(tag, tagValue).register(this.registry));
	}

	void received(Delivery delivery) {
		counter(RECEIVED, "delivery", delivery.kind().tag()).increment();
		if (delivery.deliveryAttempt() != null) {
			this.deliveryAttempt.record(delivery.deliveryAttempt());
		}
	}

	void stored(String sink, RowResult result, Instant eventTime, Instant now) {
		counter(STORED, "sink", sink).increment();
		if (result.status() == RowResult.Status.STORED) {
			this.lag.record(Math.max(0, now.toEpochMilli() - eventTime.toEpochMilli()), TimeUnit.MILLISECONDS);
		}
	}

	void ignored(String reason) {
		counter(IGNORED, "reason", reason).increment();
	}

	void bad(String reason) {
		counter(BAD, "reason", reason).increment();
	}

	void pushResponse(int status) {
		counter(PUSH_RESPONSES, "status", Integer.toString(status)).increment();
	}

	@Override
	public void onBatch(String sink, int rows, long nanos, List<RowResult> results) {
		boolean allStored = results.stream().allMatch(RowResult::isStored);
		boolean anyRetry = results.stream().anyMatch((r) -> r.status() == RowResult.Status.RETRY);
		String outcome = allStored ? "success" : (anyRetry ? "failure" : "partial");
		Timer.builder(INSERT).tag("sink", sink).tag("outcome", outcome).register(this.registry)
			.record(nanos, TimeUnit.NANOSECONDS);
		DistributionSummary.builder(BATCH_ROWS).tag("sink", sink).register(this.registry).record(rows);
	}

}
