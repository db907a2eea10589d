package dev.pixelpipeline.support;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import dev.pixelpipeline.store.EventRow;
import dev.pixelpipeline.store.EventSink;
import dev.pixelpipeline.store.RowResult;
import dev.pixelpipeline.store.StoreHealth;

/**
 * An {@link EventSink} in memory for tests: records every submitted row and answers what
 * the test tells it to, so that the message path runs without a store.
 */
public final class InMemoryEventSink implements EventSink {

	private final List<EventRow> rows = new CopyOnWriteArrayList<>();

	private volatile Function<EventRow, CompletableFuture<RowResult>> answer = (row) -> CompletableFuture
		.completedFuture(RowResult.stored());

	/** Answers every row with {@code result} from now on. */
	public InMemoryEventSink answering(RowResult result) {
		this.answer = (row) -> CompletableFuture.completedFuture(result);
		return this;
	}

	/** Fails every row with {@code failure} from now on, as a broken sink would. */
	public InMemoryEventSink failing(Throwable failure) {
		this.answer = (row) -> CompletableFuture.failedFuture(failure);
		return this;
	}

	/** The rows submitted so far, in order. */
	public List<EventRow> rows() {
		return List.copyOf(this.rows);
	}

	@Override
	public CompletableFuture<RowResult> submit(EventRow row, Instant deadline) {
		this.rows.add(row);
		return this.answer.apply(row);
	}

	@Override
	public String name() {
		return "in-memory";
	}

	@Override
	public StoreHealth health() {
		return StoreHealth.up("in memory", Map.of());
	}

}
