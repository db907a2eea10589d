package dev.pixelpipeline.ingest;

import java.time.Instant;
import java.util.List;

import dev.pixelpipeline.store.RowResult;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PipelineMetricsTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final PipelineMetrics metrics = new PipelineMetrics(this.registry);

	@Test
	void seriesDashboardsDivideByExistAtZeroFromTheStart() {
		this.metrics.sink("bigquery");
		for (DeliveryKind kind : DeliveryKind.values()) {
			assertThat(this.registry.get(PipelineMetrics.RECEIVED).tag("delivery", kind.tag()).counter().count())
				.isZero();
		}
		for (int status : PipelineMetrics.PUSH_STATUSES) {
			assertThat(
					this.registry.get(PipelineMetrics.PUSH_RESPONSES).tag("status", Integer.toString(status)).counter())
				.isNotNull();
		}
		assertThat(this.registry.get(PipelineMetrics.STORED).tag("sink", "bigquery").counter().count()).isZero();
		assertThat(this.registry.get(PipelineMetrics.INSERT).tag("sink", "bigquery").timers()).hasSize(3);
		assertThat(this.registry.get(PipelineMetrics.BATCH_ROWS).tag("sink", "bigquery").summary().count()).isZero();
	}

	@Test
	void batchOutcomesAreTaggedAndMetersReused() {
		this.metrics.onBatch("embedded", 2, 5_000_000, List.of(RowResult.stored(), RowResult.duplicate()));
		this.metrics.onBatch("embedded", 3, 7_000_000,
				List.of(RowResult.stored(), RowResult.rejected("invalid", "x"), RowResult.stored()));
		this.metrics.onBatch("embedded", 1, 9_000_000, List.of(RowResult.retry("store_error", "down")));
		Timer success = this.registry.get(PipelineMetrics.INSERT)
			.tags("sink", "embedded", "outcome", "success")
			.timer();
		assertThat(success.count()).isEqualTo(1);
		assertThat(this.registry.get(PipelineMetrics.INSERT).tags("outcome", "partial").timer().count()).isEqualTo(1);
		assertThat(this.registry.get(PipelineMetrics.INSERT).tags("outcome", "failure").timer().count()).isEqualTo(1);
		assertThat(this.registry.get(PipelineMetrics.BATCH_ROWS).tag("sink", "embedded").summary().totalAmount())
			.isEqualTo(6);
		this.metrics.onBatch("embedded", 1, 1_000_000, List.of(RowResult.stored()));
		assertThat(this.registry.get(PipelineMetrics.INSERT).tags("outcome", "success").timer()).isSameAs(success);
		assertThat(success.count()).isEqualTo(2);
	}

	@Test
	void lagIsRecordedForNewRowsOnlyAndNeverNegative() {
		Instant now = Instant.parse("2026-11-28T10:00:05Z");
		this.metrics.stored("embedded", RowResult.stored(), Instant.parse("2026-11-28T10:00:00Z"), now);
		this.metrics.stored("embedded", RowResult.duplicate(), Instant.parse("2026-11-28T09:00:00Z"), now);
		this.metrics.stored("embedded", RowResult.stored(), Instant.parse("2026-11-28T10:00:09Z"), now);
		Timer lag = this.registry.get(PipelineMetrics.LAG).timer();
		assertThat(lag.count()).isEqualTo(2);
		assertThat(lag.max(java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(5);
		assertThat(this.registry.get(PipelineMetrics.STORED).tag("sink", "embedded").counter().count()).isEqualTo(3);
	}

}
