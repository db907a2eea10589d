package dev.pixelpipeline.ingest;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import dev.pixelpipeline.store.BatchListener;
import dev.pixelpipeline.store.RowResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The pipeline's Micrometer meters. Their names are an interface: the dashboards and
 * alerts in {@code deploy/} use them.
 */
public final class PipelineMetrics implements BatchListener {

	/** Messages received, tag {@code delivery}. */
	public static final String RECEIVED = "pixel.events.received";

	/** Rows stored, tag {@code sink}. */
	public static final String STORED = "pixel.events.stored";

	/** Messages ignored on purpose, tag {@code reason}. */
	public static final String IGNORED = "pixel.events.ignored";

	/**
	 * Rows stored with {@code is_bot} true (bot policy {@code tag}); robots dropped by
	 * policy count as {@link #IGNORED} with reason {@code bot} instead.
	 */
	public static final String BOTS = "pixel.events.bots";

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

	/**
	 * The push answers {@link PushServlet} gives, pre-registered so that ratios have a
	 * denominator from the start.
	 */
	static final int[] PUSH_STATUSES = { 204, 400, 413, 429, 503 };

	/** The {@code outcome} tag values of {@link #INSERT}. */
	static final String[] INSERT_OUTCOMES = { "success", "partial", "failure" };

	private final MeterRegistry registry;

	private final Map<String, Counter> counters = new ConcurrentHashMap<>();

	private final Map<String, Timer> inserts = new ConcurrentHashMap<>();

	private final Map<String, DistributionSummary> batchRows = new ConcurrentHashMap<>();

	private final Timer lag;

	private final DistributionSummary deliveryAttempt;

	private final Counter bots;

	// Pre-bound counters of the per-push path: no key string or tag built per message.
	private final Map<DeliveryKind, Counter> receivedByKind = new EnumMap<>(DeliveryKind.class);

	private final Counter[] pushResponsesByStatus = new Counter[PUSH_STATUSES.length];

	private final Map<String, Counter> storedBySink = new ConcurrentHashMap<>();

	public PipelineMetrics(MeterRegistry registry) {
		this.registry = registry;
		this.lag = Timer.builder(LAG)
			.description("Stored time minus event time: how fresh the stored data is")
			.publishPercentiles(0.5, 0.95, 0.99)
			.publishPercentileHistogram()
			.minimumExpectedValue(Duration.ofMillis(1))
			.maximumExpectedValue(Duration.ofHours(1))
			.register(registry);
		this.deliveryAttempt = DistributionSummary.builder(DELIVERY_ATTEMPT)
			.description("Pub/Sub delivery attempt of pushed messages (dead-letter policies only)")
			.serviceLevelObjectives(1, 2, 3, 5, 10, 20, 50, 100)
			.register(registry);
		for (DeliveryKind kind : DeliveryKind.values()) {
			this.receivedByKind.put(kind, counter(RECEIVED, "delivery", kind.tag()));
		}
		this.bots = Counter.builder(BOTS).description("Rows stored tagged as robots (is_bot true)").register(registry);
		counter(IGNORED, "reason", "bot");
		for (int i = 0; i < PUSH_STATUSES.length; i++) {
			this.pushResponsesByStatus[i] = counter(PUSH_RESPONSES, "status", Integer.toString(PUSH_STATUSES[i]));
		}
	}

	/**
	 * Registers the meters of a sink at zero, so that dashboards and ratio alerts see its
	 * series before the first row.
	 * @param sink the sink's name
	 */
	void sink(String sink) {
		this.storedBySink.put(sink, counter(STORED, "sink", sink));
		for (String outcome : INSERT_OUTCOMES) {
			insertTimer(sink, outcome);
		}
		batchRows(sink);
	}

	private Counter counter(String name, String tag, String value) {
		String tagValue = (value != null) ? value : "none";
		return this.counters.computeIfAbsent(name + '\u0000' + tag + '\u0000' + tagValue,
				(key) -> Counter.builder(name)
					.description(description(name))
					.tag(tag, tagValue)
					.register(this.registry));
	}

	private static String description(String name) {
		return switch (name) {
			case RECEIVED -> "Messages received, by how they were delivered";
			case STORED -> "Rows stored (or found stored before: redeliveries), by sink";
			case IGNORED -> "Log entries that are not pixel hits, acked and not stored, by reason";
			case BAD -> "Poison messages kept as bad rows, by reason";
			case PUSH_RESPONSES -> "Answers of the push endpoint, by HTTP status";
			default -> null;
		};
	}

	private Timer insertTimer(String sink, String outcome) {
		return this.inserts.computeIfAbsent(sink + '\u0000' + outcome,
				(key) -> Timer.builder(INSERT)
					.description("Batch writes to the sink, by outcome")
					.tag("sink", sink)
					.tag("outcome", outcome)
					.publishPercentileHistogram()
					.minimumExpectedValue(Duration.ofMillis(1))
					.maximumExpectedValue(Duration.ofSeconds(30))
					.register(this.registry));
	}

	private DistributionSummary batchRows(String sink) {
		return this.batchRows.computeIfAbsent(sink,
				(key) -> DistributionSummary.builder(BATCH_ROWS)
					.description("Rows per batch write")
					.baseUnit("rows")
					.tag("sink", sink)
					.serviceLevelObjectives(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000)
					.register(this.registry));
	}

	void received(Delivery delivery) {
		this.receivedByKind.get(delivery.kind()).increment();
		if (delivery.deliveryAttempt() != null) {
			this.deliveryAttempt.record(delivery.deliveryAttempt());
		}
	}

	void stored(String sink, RowResult result, Instant eventTime, Instant now) {
		Counter stored = this.storedBySink.get(sink);
		((stored != null) ? stored : counter(STORED, "sink", sink)).increment();
		if (result.status() == RowResult.Status.STORED) {
			this.lag.record(Math.max(0, now.toEpochMilli() - eventTime.toEpochMilli()), TimeUnit.MILLISECONDS);
		}
	}

	void bot() {
		this.bots.increment();
	}

	void ignored(String reason) {
		counter(IGNORED, "reason", reason).increment();
	}

	void bad(String reason) {
		counter(BAD, "reason", reason).increment();
	}

	void pushResponse(int status) {
		for (int i = 0; i < PUSH_STATUSES.length; i++) {
			if (PUSH_STATUSES[i] == status) {
				this.pushResponsesByStatus[i].increment();
				return;
			}
		}
		counter(PUSH_RESPONSES, "status", Integer.toString(status)).increment();
	}

	@Override
	public void onBatch(String sink, int rows, long nanos, List<RowResult> results) {
		boolean allStored = true;
		boolean anyRetry = false;
		for (RowResult result : results) {
			allStored &= result.isStored();
			anyRetry |= result.status() == RowResult.Status.RETRY;
		}
		// success: every row stored; failure: the write failed (rows go back to Pub/Sub);
		// partial: some rows refused.
		String outcome = allStored ? "success" : (anyRetry ? "failure" : "partial");
		insertTimer(sink, outcome).record(nanos, TimeUnit.NANOSECONDS);
		batchRows(sink).record(rows);
	}

}
