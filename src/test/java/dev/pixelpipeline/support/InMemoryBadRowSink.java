package dev.pixelpipeline.support;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pixelpipeline.store.BadRow;
import dev.pixelpipeline.store.BadRowSink;
import dev.pixelpipeline.store.StoreHealth;

/**
 * A {@link BadRowSink} in memory for tests: records every bad row, or fails to, as the
 * test tells it.
 */
public final class InMemoryBadRowSink implements BadRowSink {

	private final List<BadRow> badRows = new CopyOnWriteArrayList<>();

	private volatile Throwable failure;

	/**
	 * Fails every bad row with {@code failure} from now on, as an unreachable topic
	 * would.
	 */
	public InMemoryBadRowSink failing(Throwable failure) {
		this.failure = failure;
		return this;
	}

	/** The bad rows recorded so far, in order. */
	public List<BadRow> badRows() {
		return List.copyOf(this.badRows);
	}

	@Override
	public CompletableFuture<Void> record(BadRow badRow) {
		if (this.failure != null) {
			return CompletableFuture.failedFuture(this.failure);
		}
		this.badRows.add(badRow);
		return CompletableFuture.completedFuture(null);
	}

	@Override
	public String name() {
		return "in-memory bad rows";
	}

	@Override
	public StoreHealth health() {
		return StoreHealth.up("in memory", Map.of());
	}

}
