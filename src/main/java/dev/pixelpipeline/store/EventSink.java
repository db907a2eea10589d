package dev.pixelpipeline.store;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * The port every store of good rows implements: the embedded DuckDB store locally,
 * BigQuery in production.
 *
 * <p>
 * Rows are submitted one per message and grouped into batches by the sink, so that
 * concurrent pushes share writes. The returned future completes once the row is durably
 * stored or definitely not, and never exceptionally: a failure is a {@link RowResult} the
 * caller maps to an ack or a redelivery.
 */
public interface EventSink {

	/**
	 * Submits one row.
	 * @param row the row
	 * @param deadline when the caller stops waiting (the push ack deadline); the sink
	 * answers {@link RowResult.Status#RETRY} rather than keep the caller past it
	 * @return the row's outcome, completed without holding the caller's thread
	 */
	CompletableFuture<RowResult> submit(EventRow row, Instant deadline);

	/** A short name for metrics and logs: {@code embedded}, {@code bigquery}. */
	String name();

	/**
	 * Whether the store can take rows, for readiness: a new adapter brings its own check
	 * without new wiring. May block on the store; the caller bounds the wait.
	 */
	StoreHealth health();

}
