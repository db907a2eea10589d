package dev.pixelpipeline.store.bigquery;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import com.google.api.core.ApiFuture;
import com.google.cloud.bigquery.storage.v1.AppendRowsResponse;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteClient;
import com.google.cloud.bigquery.storage.v1.Exceptions;
import com.google.cloud.bigquery.storage.v1.StreamWriter;
import dev.pixelpipeline.store.BatchWriter;
import dev.pixelpipeline.store.EventRow;
import dev.pixelpipeline.store.RowResult;
import dev.pixelpipeline.store.StoreHealth;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends batches to one table through the Storage Write API's default stream
 * ({@code projects/p/datasets/d/tables/t/streams/_default}), with a {@link StreamWriter}
 * and proto rows ({@link AppendRowEncoder}). Every row carries its key in
 * {@code message_id}: the default stream does not deduplicate, so readers keep one row
 * per key (the dedup view).
 *
 * <p>
 * One stream writer serves every batch and every writer thread; it is replaced when it
 * closes ({@link Exceptions.StreamWriterClosedException}, which long-running writers
 * meet), when an append outlives its deadline, or when one comes back {@code ABORTED}.
 * This writer owns the retry budget, like the insertAll one:
 * <ul>
 * <li>a retryable status ({@code UNAVAILABLE}, {@code INTERNAL}, {@code ABORTED},
 * {@code DEADLINE_EXCEEDED}, {@code RESOURCE_EXHAUSTED}, {@code CANCELLED},
 * {@code UNKNOWN}) is retried with jittered exponential backoff while time remains before
 * the batch's deadline, then its rows are {@link RowResult.Status#RETRY};</li>
 * <li>rows the table refuses for themselves (the row index map of
 * {@link Exceptions.AppendSerializtionError}) are {@link RowResult.Status#REJECTED}, and
 * the rest of the batch is appended again at once;</li>
 * <li>a missing table, a denied permission or a refused request ({@code NOT_FOUND},
 * {@code PERMISSION_DENIED}, {@code INVALID_ARGUMENT}, …) is not retried: the rows are
 * RETRY, and {@link #health()} is down naming what to fix.</li>
 * </ul>
 * A row is STORED only once the append that carried it came back without error.
 */
final class BigQueryWriteApiWriter implements BatchWriter, AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(BigQueryWriteApiWriter.class);

	/** How long a reported problem keeps readiness DOWN without being seen again. */
	static final Duration PROBLEM_HOLD = Duration.ofMinutes(1);

	/** An append is given up this long before the batch's deadline, so the push hears. */
	static final Duration ANSWER_MARGIN = Duration.ofMillis(100);

	/**
	 * An append unanswered for this long means its connection is stuck (answers come in
	 * order, so every later append waits behind it): the writer is replaced. A shorter
	 * wait that ran into the deadline says nothing about the connection.
	 */
	static final Duration STALLED = Duration.ofSeconds(1);

	/** How long {@link #close()} waits for the stream writer to close. */
	static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

	/** The tag of {@code pixel.bigquery.append.errors} for a row the table refused. */
	static final String ROW_ERROR = "row_error";

	private static final Set<Status.Code> RETRYABLE = Set.of(Status.Code.UNAVAILABLE, Status.Code.INTERNAL,
			Status.Code.ABORTED, Status.Code.DEADLINE_EXCEEDED, Status.Code.RESOURCE_EXHAUSTED, Status.Code.CANCELLED,
			Status.Code.UNKNOWN);

	/**
	 * Codes that say the table or the request is wrong, not the connection: retrying
	 * cannot help, even on a new writer.
	 */
	private static final Set<Status.Code> REFUSALS = Set.of(Status.Code.NOT_FOUND, Status.Code.PERMISSION_DENIED,
			Status.Code.UNAUTHENTICATED, Status.Code.INVALID_ARGUMENT);

	/** Creates stream writers; called again after one closed. */
	@FunctionalInterface
	interface StreamWriterFactory {

		StreamWriter create() throws IOException;

	}

	/**
	 * A problem that retrying cannot fix, or the last transient error, for readiness.
	 *
	 * @param code the gRPC status code name
	 * @param message what is wrong (and, for a problem, what to do)
	 * @param seenAt when it was last seen
	 */
	record Problem(String code, String message, Instant seenAt) {
	}

	private final String table;

	private final StreamWriterFactory factory;

	private final AppendRowEncoder encoder;

	private final BigQueryBatchWriter.Retry retry;

	private final Clock clock;

	private final Consumer<String> errors;

	private final Object writerLock = new Object();

	private volatile StreamWriter current;

	private final AtomicInteger created = new AtomicInteger();

	private final AtomicReference<Problem> problem = new AtomicReference<>();

	private final AtomicReference<Problem> lastError = new AtomicReference<>();

	/**
	 * @param table the table, for logs and health ({@code project:dataset.table})
	 * @param factory makes the stream writer on the table's default stream
	 * @param encoder turns rows into proto rows
	 * @param retry how retries are paced
	 * @param clock the clock deadlines are measured on
	 * @param errors told the code of each failed append (a gRPC status code name), or
	 * {@value #ROW_ERROR} once per refused row
	 */
	BigQueryWriteApiWriter(String table, StreamWriterFactory factory, AppendRowEncoder encoder,
			BigQueryBatchWriter.Retry retry, Clock clock, Consumer<String> errors) {
		this.table = table;
		this.factory = factory;
		this.encoder = encoder;
		this.retry = retry;
		this.clock = clock;
		this.errors = errors;
	}

	@Override
	public String name() {
		return "bigquery-write-api";
	}

	/** How many stream writers were created so far (one, unless some closed). */
	int writersCreated() {
		return this.created.get();
	}

	@Override
	public List<RowResult> write(List<EventRow> rows, Instant deadline) {
		RowResult[] results = new RowResult[rows.size()];
		List<Integer> pending = new ArrayList<>(rows.size());
		for (int i = 0; i < rows.size(); i++) {
			pending.add(i);
		}
		int attempts = 0;
		int failures = 0;
		RowResult lastRetry = null;
		while (!pending.isEmpty()) {
			if (failures > 0 && !this.retry.pause(failures, timeLeft(deadline))) {
				break;
			}
			if (attempts > 0 && timeLeft(deadline).compareTo(this.retry.minTimeLeft()) < 0) {
				break;
			}
			if (timeLeft(deadline).compareTo(ANSWER_MARGIN) <= 0) {
				// The rows waited past their deadline before this write: the push has
				// been answered 503 already, or is about to be.
				break;
			}
			attempts++;
			StreamWriter writer = null;
			Duration wait = Duration.ZERO;
			try {
				writer = writer();
				ApiFuture<AppendRowsResponse> append = writer.append(this.encoder.encode(rows, pending));
				wait = timeLeft(deadline).minus(ANSWER_MARGIN);
				append.get(Math.max(wait.toNanos(), 0), TimeUnit.NANOSECONDS);
				clearProblem();
				for (int index : pending) {
					results[index] = RowResult.stored();
				}
				pending = List.of();
			}
			catch (TimeoutException ex) {
				// The append may still land: its rows are answered RETRY and come back
				// with the same message_id, which the dedup view folds.
				this.errors.accept(Status.Code.DEADLINE_EXCEEDED.name());
				if (wait.compareTo(STALLED) >= 0) {
					replace(writer);
				}
				lastRetry = RowResult.retry("timeout", "no answer from the Storage Write API before the push deadline");
				noteError(Status.Code.DEADLINE_EXCEEDED.name(), lastRetry.detail());
				break;
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				lastRetry = RowResult.retry("interrupted", "interrupted while appending");
				break;
			}
			catch (ExecutionException | RuntimeException | IOException ex) {
				Throwable cause = (ex instanceof ExecutionException && ex.getCause() != null) ? ex.getCause() : ex;
				if (cause instanceof Exceptions.AppendSerializtionError rowErrors
						&& !rowErrors.getRowIndexToErrorMessage().isEmpty()) {
					List<Integer> rest = rejectRows(rows, pending, rowErrors.getRowIndexToErrorMessage(), results);
					if (rest != null) {
						pending = rest;
						continue;
					}
				}
				Status.Code code = Status.fromThrowable(cause).getCode();
				String detail = code + ": " + describe(cause);
				this.errors.accept(code.name());
				boolean closed = cause instanceof Exceptions.StreamWriterClosedException
						|| (writer != null && writer.isClosed());
				if (closed || code == Status.Code.ABORTED || code == Status.Code.DEADLINE_EXCEEDED) {
					replace(writer);
				}
				if (RETRYABLE.contains(code) || (closed && !REFUSALS.contains(code))) {
					// A closed writer is replaced above; the next attempt opens a new
					// one.
					logger.debug("Append to {} failed, attempt {}: {}", this.table, attempts, detail);
					lastRetry = RowResult.retry(closed ? "closed" : code.name().toLowerCase(), detail);
					noteError(code.name(), detail);
					failures++;
					continue;
				}
				reportProblem(code, detail);
				lastRetry = RowResult.retry(code.name().toLowerCase(), detail);
				break;
			}
		}
		if (!pending.isEmpty()) {
			RowResult answer = (lastRetry != null) ? lastRetry
					: RowResult.retry("deadline", "no time left before the push deadline");
			for (int index : pending) {
				results[index] = answer;
			}
			logger.warn("Append to {} gave up after {} attempts before the push deadline; {} rows will be"
					+ " redelivered: {}", this.table, attempts, pending.size(), answer.detail());
		}
		return List.of(results);
	}

	/**
	 * Marks the refused rows REJECTED.
	 * @return the rows still to append, or {@code null} when the map names none of them
	 */
	private List<Integer> rejectRows(List<EventRow> rows, List<Integer> pending, Map<Integer, String> refused,
			RowResult[] results) {
		List<Integer> rest = new ArrayList<>(pending.size());
		for (int i = 0; i < pending.size(); i++) {
			int index = pending.get(i);
			String message = refused.get(i);
			if (message != null) {
				results[index] = RowResult.rejected("invalid", message);
				this.errors.accept(ROW_ERROR);
				logger.debug("{} refused row {}: {}", this.table, rows.get(index).messageId(), message);
			}
			else {
				rest.add(index);
			}
		}
		// A map that names no row of this append cannot be acted on: the caller treats
		// it as a refused request instead of sending the same rows again.
		return (rest.size() == pending.size()) ? null : rest;
	}

	private StreamWriter writer() throws IOException {
		StreamWriter writer = this.current;
		if (writer != null) {
			return writer;
		}
		synchronized (this.writerLock) {
			if (this.current == null) {
				this.current = this.factory.create();
				int count = this.created.incrementAndGet();
				if (count > 1) {
					logger.info("Opened stream writer {} on {} (replacing a closed one)", count, this.table);
				}
			}
			return this.current;
		}
	}

	/**
	 * Drops this stream writer so the next append opens a new one, and closes it in the
	 * background: closing waits for its appends in flight.
	 */
	private void replace(StreamWriter broken) {
		if (broken == null) {
			return;
		}
		synchronized (this.writerLock) {
			if (this.current != broken) {
				return;
			}
			this.current = null;
		}
		closeInBackground(broken);
	}

	private Thread closeInBackground(StreamWriter writer) {
		Thread closer = new Thread(() -> {
			try {
				writer.close();
			}
			catch (RuntimeException ex) {
				logger.debug("Closing a stream writer of {} failed: {}", this.table, ex.toString());
			}
		}, "bigquery-write-api-close");
		closer.setDaemon(true);
		closer.start();
		return closer;
	}

	private Duration timeLeft(Instant deadline) {
		return Duration.between(this.clock.instant(), deadline);
	}

	private static String describe(Throwable cause) {
		Status status = Status.fromThrowable(cause);
		String description = status.getDescription();
		return (description != null) ? description : cause.toString();
	}

	private void noteError(String code, String detail) {
		this.lastError.set(new Problem(code, detail, this.clock.instant()));
	}

	private void reportProblem(Status.Code code, String detail) {
		String what = switch (code) {
			case NOT_FOUND -> "BigQuery table " + this.table + " (or its dataset) was not found by the Storage Write"
					+ " API: create it partitioned by day on event_time (deploy/setup.sh --layout partitioned) or"
					+ " set pipeline.bigquery.create-template=true";
			case PERMISSION_DENIED, UNAUTHENTICATED -> "The Storage Write API refused appends to " + this.table + " ("
					+ code + "): grant the service account roles/bigquery.dataEditor on the dataset";
			case INVALID_ARGUMENT -> "The Storage Write API refused appends to " + this.table
					+ " as invalid: check that the table has every column of the row schema with its type"
					+ " (bigquery/pixel-template-schema.json)";
			default -> "The Storage Write API refused appends to " + this.table + " (" + code + ")";
		};
		String message = what + "; pushes are answered 503 until then";
		Instant now = this.clock.instant();
		Problem previous = this.problem.getAndSet(new Problem(code.name(), message, now));
		noteError(code.name(), detail);
		if (previous == null || !previous.message().equals(message)
				|| previous.seenAt().plus(PROBLEM_HOLD).isBefore(now)) {
			logger.error("{} [{}]", message, detail);
		}
	}

	private void clearProblem() {
		if (this.problem.get() != null && this.problem.getAndSet(null) != null) {
			logger.info("Appends to {} work again", this.table);
		}
	}

	/**
	 * Down while a problem that retrying cannot fix is fresh (a missing table, a denied
	 * permission), naming what to fix; otherwise up, with the last append error in the
	 * details.
	 */
	@Override
	public StoreHealth health() {
		Instant now = this.clock.instant();
		Map<String, String> details = new LinkedHashMap<>();
		details.put("writersCreated", Integer.toString(this.created.get()));
		Problem last = this.lastError.get();
		if (last != null && !last.seenAt().plus(PROBLEM_HOLD).isBefore(now)) {
			details.put("lastAppendError", last.code() + " at " + last.seenAt() + ": " + last.message());
		}
		Problem current = this.problem.get();
		if (current != null && !current.seenAt().plus(PROBLEM_HOLD).isBefore(now)) {
			details.put("since", current.seenAt().toString());
			return StoreHealth.down(current.message(), details);
		}
		return StoreHealth.up(null, details);
	}

	/**
	 * Closes the stream writer, waiting at most {@link #CLOSE_WAIT} for it (closing waits
	 * for appends in flight, which a stuck connection never answers); call after the sink
	 * over this writer is shut down.
	 */
	@Override
	public void close() {
		StreamWriter writer;
		synchronized (this.writerLock) {
			writer = this.current;
			this.current = null;
		}
		if (writer != null) {
			Thread closer = closeInBackground(writer);
			try {
				closer.join(CLOSE_WAIT.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			if (closer.isAlive()) {
				logger.warn("The stream writer of {} did not close within {}; leaving it", this.table, CLOSE_WAIT);
			}
		}
	}

}
