package dev.pixelpipeline.store;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EventSink} that groups rows from concurrent callers into batches and hands
 * each batch to a {@link BatchWriter} on its own threads.
 *
 * <p>
 * A batch is written when it reaches {@code maxRows}, would pass {@code maxBytes},
 * {@code maxDelay} after its first row, or once no row has come for {@code maxIdle} (this
 * last only while less than half a full batch is being written: under sustained load a
 * gap is chance, not the end of a wave). While every writer is busy, rows that arrive
 * join the batch that waits for the next free writer (up to the same bounds), so under
 * load batches grow and writes stay few. Waiting rows are bounded by {@code maxPending}:
 * past it a row is refused at once as {@link RowResult.Status#OVERLOADED}, so the caller
 * can answer 429 instead of queueing without bound.
 */
public final class BatchingSink implements EventSink, AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(BatchingSink.class);

	private record Pending(EventRow row, Instant deadline, CompletableFuture<RowResult> future) {
	}

	private final class BatchTask implements Runnable {

		private final List<Pending> batch;

		BatchTask(List<Pending> batch) {
			this.batch = batch;
		}

		List<Pending> batch() {
			return this.batch;
		}

		@Override
		public void run() {
			try {
				write(this.batch);
			}
			finally {
				BatchingSink.this.unanswered.remove(this);
			}
		}

	}

	private final BatchWriter writer;

	private final BatchSettings settings;

	private final BatchListener listener;

	private final BlockingQueue<Pending> queue;

	private final Semaphore writerSlots;

	private final ExecutorService writers;

	private final Thread collector;

	private final AtomicInteger inFlight = new AtomicInteger();

	/**
	 * Batches taken from the queue and not yet answered: waiting for a free writer or
	 * being written. Shutdown answers what is left of them.
	 */
	private final Set<BatchTask> unanswered = ConcurrentHashMap.newKeySet();

	private final AtomicBoolean shutDown = new AtomicBoolean();

	private volatile boolean accepting = true;

	private volatile boolean running = true;

	public BatchingSink(BatchWriter writer, BatchSettings settings, BatchListener listener) {
		this.writer = writer;
		this.settings = settings;
		this.listener = (listener != null) ? listener : (sink, rows, nanos, results) -> {
		};
		this.queue = new ArrayBlockingQueue<>(settings.maxPending());
		this.writerSlots = new Semaphore(settings.writers());
		AtomicInteger threads = new AtomicInteger();
		this.writers = Executors.newFixedThreadPool(settings.writers(), (task) -> {
			Thread thread = new Thread(task, writer.name() + "-writer-" + threads.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		});
		this.collector = new Thread(this::collect, writer.name() + "-batcher");
		this.collector.setDaemon(true);
		this.collector.start();
	}

	@Override
	public CompletableFuture<RowResult> submit(EventRow row, Instant deadline) {
		if (!this.accepting) {
			return CompletableFuture.completedFuture(RowResult.retry("shutting_down", "sink is shutting down"));
		}
		Pending pending = new Pending(row, deadline, new CompletableFuture<>());
		if (!this.queue.offer(pending)) {
			return CompletableFuture.completedFuture(RowResult
				.overloaded(this.writer.name() + " sink has " + this.settings.maxPending() + " rows waiting"));
		}
		// Shutdown may have drained the queue between the check above and the offer: then
		// nobody else will answer this row.
		if (!this.accepting && this.queue.remove(pending)) {
			pending.future().complete(RowResult.retry("shutting_down", "sink is shutting down"));
		}
		return pending.future();
	}

	@Override
	public String name() {
		return this.writer.name();
	}

	/** The writer's health: batching itself has nothing that can break. */
	@Override
	public StoreHealth health() {
		return this.writer.health();
	}

	/** Rows waiting for a batch plus rows being written. */
	public int pending() {
		return this.queue.size() + this.inFlight.get();
	}

	private void collect() {
		Pending carry = null;
		while (this.running || !this.queue.isEmpty() || carry != null) {
			try {
				Pending first = (carry != null) ? carry : this.queue.poll(50, TimeUnit.MILLISECONDS);
				carry = null;
				if (first == null) {
					continue;
				}
				List<Pending> batch = new ArrayList<>(Math.min(this.settings.maxRows(), 64));
				batch.add(first);
				long[] bytes = { first.row().estimatedBytes() };
				long flushAt = System.nanoTime() + this.settings.maxDelay().toNanos();
				BatchTask task = new BatchTask(batch);
				this.unanswered.add(task);
				carry = fill(batch, bytes, flushAt);
				this.writerSlots.acquire();
				// Rows that queued while every writer was busy go with this batch rather
				// than wait for the next one.
				if (carry == null) {
					carry = fill(batch, bytes, Long.MIN_VALUE);
				}
				this.inFlight.addAndGet(batch.size());
				this.writers.execute(task);
			}
			catch (InterruptedException | RejectedExecutionException ex) {
				// Shutdown: it answers the batches taken from the queue; the row carried
				// over to the next batch is in none of them.
				if (carry != null) {
					carry.future()
						.complete(RowResult.retry("shutting_down", "sink shut down before the row was written"));
				}
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	/**
	 * Adds queued rows to the batch until it holds {@code maxRows}, waiting for more only
	 * until {@code flushAt}. A gap of {@code maxIdle} without a row ends the batch early,
	 * unless at least half a full batch of rows is already being written: then the pushes
	 * are not coming back in separate waves but continuously, a gap is chance, and the
	 * batch keeps filling until {@code flushAt} so that high concurrency gives fewer,
	 * larger writes.
	 * @return the row that would pass the byte budget (it starts the next batch), or
	 * {@code null}
	 */
	private Pending fill(List<Pending> batch, long[] bytes, long flushAt) throws InterruptedException {
		long idle = this.settings.maxIdle().toNanos();
		while (batch.size() < this.settings.maxRows()) {
			long left = (flushAt == Long.MIN_VALUE) ? 0 : flushAt - System.nanoTime();
			long wait = Math.min(left, idle);
			Pending next = (wait > 0 && this.running) ? this.queue.poll(wait, TimeUnit.NANOSECONDS) : this.queue.poll();
			if (next == null) {
				if (wait <= 0 || left <= idle || !this.running || !sustainedLoad()) {
					return null;
				}
				continue;
			}
			if (bytes[0] + next.row().estimatedBytes() > this.settings.maxBytes()) {
				return next;
			}
			batch.add(next);
			bytes[0] += next.row().estimatedBytes();
		}
		return null;
	}

	private boolean sustainedLoad() {
		return this.inFlight.get() >= Math.max(1, this.settings.maxRows() / 2);
	}

	private void write(List<Pending> batch) {
		long start = System.nanoTime();
		List<RowResult> results;
		try {
			Instant deadline = batch.get(0).deadline();
			List<EventRow> rows = new ArrayList<>(batch.size());
			for (Pending pending : batch) {
				rows.add(pending.row());
				if (pending.deadline().isBefore(deadline)) {
					deadline = pending.deadline();
				}
			}
			results = this.writer.write(rows, deadline);
			if (results.size() != rows.size()) {
				throw new IllegalStateException(
						this.writer.name() + " writer returned " + results.size() + " results for " + rows.size());
			}
		}
		catch (RuntimeException ex) {
			logger.error("{} sink failed to write a batch of {} rows; they will be redelivered", this.writer.name(),
					batch.size(), ex);
			results = Collections.nCopies(batch.size(), RowResult.retry("sink_error", ex.getClass().getSimpleName()));
		}
		finally {
			this.inFlight.addAndGet(-batch.size());
			this.writerSlots.release();
		}
		long nanos = System.nanoTime() - start;
		for (int i = 0; i < batch.size(); i++) {
			batch.get(i).future().complete(results.get(i));
		}
		try {
			this.listener.onBatch(this.writer.name(), batch.size(), nanos, results);
		}
		catch (RuntimeException ex) {
			logger.warn("Batch listener of the {} sink failed", this.writer.name(), ex);
		}
	}

	/**
	 * Stops taking rows, writes what is waiting, and answers every row still unanswered
	 * after the timeout with {@link RowResult.Status#RETRY}, so that Pub/Sub redelivers
	 * it: rows in the queue, in a batch waiting for a writer, and in a batch whose write
	 * has not returned (a hanging store). Returns within the timeout whatever the writer
	 * does; a second call returns at once.
	 */
	public void shutdown(Duration timeout) {
		if (!this.shutDown.compareAndSet(false, true)) {
			return;
		}
		this.accepting = false;
		this.running = false;
		long deadline = System.nanoTime() + timeout.toNanos();
		try {
			this.collector.join(Math.max(1, timeout.toMillis()));
			this.writers.shutdown();
			this.writers.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.collector.interrupt();
		this.writers.shutdownNow();
		try {
			// Interrupted, it stops at its next wait; after that no row moves.
			this.collector.join(200);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		RowResult retry = RowResult.retry("shutting_down", "sink shut down before the row was written");
		int abandoned = 0;
		for (BatchTask task : List.copyOf(this.unanswered)) {
			for (Pending pending : task.batch()) {
				if (pending.future().complete(retry)) {
					abandoned++;
				}
			}
		}
		Pending left;
		while ((left = this.queue.poll()) != null) {
			left.future().complete(retry);
			abandoned++;
		}
		if (abandoned > 0) {
			logger.warn("{} sink shut down with {} rows unwritten; Pub/Sub will redeliver them", this.writer.name(),
					abandoned);
		}
	}

	@Override
	public void close() {
		shutdown(Duration.ofSeconds(5));
	}

}
