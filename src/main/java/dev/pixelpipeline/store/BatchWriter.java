package dev.pixelpipeline.store;

import java.time.Instant;
import java.util.List;

/**
 * An adapter that writes one batch of rows to a store, blocking until done.
 * {@link BatchingSink} calls it from its own writer threads, never from a request thread.
 */
public interface BatchWriter {

	/**
	 * Writes the rows, possibly of several tables.
	 * @param rows the rows, at most the sink's batch size
	 * @param deadline the earliest deadline among the rows: retries must end before it
	 * @return one result per row, in the same order
	 */
	List<RowResult> write(List<EventRow> rows, Instant deadline);

	/** A short name for metrics and logs. */
	String name();

	/**
	 * Whether the store behind this writer can take writes, for readiness. May block on
	 * the store; the caller bounds the wait.
	 */
	StoreHealth health();

}
