package dev.pixelpipeline.store.bigquery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryError;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.InsertAllRequest;
import com.google.cloud.bigquery.InsertAllResponse;
import com.google.cloud.bigquery.TableId;
import dev.pixelpipeline.store.BatchWriter;
import dev.pixelpipeline.store.BatchingSink;
import dev.pixelpipeline.store.Column;
import dev.pixelpipeline.store.EventRow;
import dev.pixelpipeline.store.RowResult;
import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.store.StoreHealth;
import dev.pixelpipeline.store.TableName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes batches to BigQuery with {@code tabledata.insertAll}: one request per table of
 * the batch, on the template table with {@code templateSuffix}, each row with its key
 * (the LogEntry's {@code insertId}, see {@code HitParser.messageId}) as {@code insertId}.
 *
 * <p>
 * The client is expected to make a single attempt per call; this writer owns the retry
 * budget:
 * <ul>
 * <li>a transient failure of the whole request (5xx, {@code backendError},
 * {@code rateLimitExceeded}, 429, I/O error, timeout) is retried with jittered
 * exponential backoff while time remains before the batch's deadline, then its rows are
 * {@link RowResult.Status#RETRY};</li>
 * <li>rows rejected only because another row failed ({@code stopped}) are re-sent on
 * their own; rows rejected for themselves ({@code invalid}) are
 * {@link RowResult.Status#REJECTED}, so they become bad rows;</li>
 * <li>a missing table or dataset, or a denied permission, is not retried: the rows are
 * RETRY (Pub/Sub keeps them), the writer reports a {@link #problem() problem} for
 * readiness and logs one error line that says what to fix.</li>
 * </ul>
 */
final class BigQueryBatchWriter implements BatchWriter, AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(BigQueryBatchWriter.class);

	/** How long a reported problem keeps readiness DOWN without being seen again. */
	static final Duration PROBLEM_HOLD = Duration.ofMinutes(1);

	private static final Set<String> TRANSIENT_REASONS = Set.of("backendError", "internalError", "rateLimitExceeded",
			"quotaExceeded", "timeout", "tableUnavailable");

	/**
	 * How retries are paced.
	 *
	 * @param initialBackoff the bound on the first wait
	 * @param maxBackoff the bound on any wait
	 * @param minTimeLeft no attempt starts with less time than this before the deadline
	 */
	record Retry(Duration initialBackoff, Duration maxBackoff, Duration minTimeLeft) {

		/**
		 * Sleeps before the next attempt: a random wait up to the backoff for this many
		 * failures (doubling from the initial backoff, at most the maximum), cut so that
		 * at least {@code minTimeLeft} remains.
		 * @param failures the failed attempts so far, at least one
		 * @param timeLeft the time left before the deadline
		 * @return whether to try again: {@code false} when no time is left or the thread
		 * was interrupted
		 */
		boolean pause(int failures, Duration timeLeft) {
			long bound = Math.min(this.maxBackoff.toMillis(),
					this.initialBackoff.toMillis() << Math.min(failures - 1, 20));
			long sleep = ThreadLocalRandom.current().nextLong(bound + 1);
			long room = timeLeft.minus(this.minTimeLeft).toMillis();
			if (room <= 0) {
				return false;
			}
			try {
				Thread.sleep(Math.min(sleep, room));
				return true;
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return false;
			}
		}

	}

	/**
	 * A configuration problem that retrying cannot fix: readiness reports it.
	 *
	 * @param message what is wrong and what to do
	 * @param seenAt when it was last seen
	 */
	record Problem(String message, Instant seenAt) {
	}

	private enum Kind {

		TRANSIENT, CONFIGURATION, INVALID

	}

	private record Failure(Kind kind, String reason, String detail) {
	}

	private final BigQuery bigQuery;

	private final String project;

	private final String dataset;

	private final Retry retry;

	private final ExecutorService requests;

	private final Clock clock;

	private final AtomicReference<Problem> problem = new AtomicReference<>();

	/**
	 * @param bigQuery a client that makes one attempt per call, with bounded connect and
	 * read timeouts
	 * @param project the project of the dataset
	 * @param dataset the dataset of the template table
	 * @param retry how retries are paced
	 * @param maxConcurrentRequests how many requests for the tables of batches may run at
	 * the same time
	 * @param clock the clock deadlines are measured on
	 */
	BigQueryBatchWriter(BigQuery bigQuery, String project, String dataset, Retry retry, int maxConcurrentRequests,
			Clock clock) {
		this.bigQuery = bigQuery;
		this.project = project;
		this.dataset = dataset;
		this.retry = retry;
		this.clock = clock;
		AtomicInteger threads = new AtomicInteger();
		this.requests = Executors.newFixedThreadPool(maxConcurrentRequests, (task) -> {
			Thread thread = new Thread(task, "bigquery-request-" + threads.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		});
	}

	/**
	 * Stops the request threads; call after the {@link BatchingSink} over this writer is
	 * shut down.
	 */
	@Override
	public void close() {
		this.requests.shutdownNow();
	}

	@Override
	public String name() {
		return "bigquery";
	}

	/**
	 * The configuration problem last seen within {@link #PROBLEM_HOLD}, or {@code null};
	 * a successful insert clears it.
	 */
	Problem problem() {
		Problem current = this.problem.get();
		if (current != null && current.seenAt().plus(PROBLEM_HOLD).isBefore(this.clock.instant())) {
			return null;
		}
		return current;
	}

	/**
	 * Down while a configuration {@link #problem() problem} is fresh (a missing table, a
	 * denied permission), with what to fix and since when; otherwise up.
	 */
	@Override
	public StoreHealth health() {
		Problem current = problem();
		if (current != null) {
			return StoreHealth.down(current.message(), Map.of("since", current.seenAt().toString()));
		}
		return StoreHealth.up(null, Map.of());
	}

	@Override
	public List<RowResult> write(List<EventRow> rows, Instant deadline) {
		Map<TableName, List<Integer>> byTable = new LinkedHashMap<>();
		for (int i = 0; i < rows.size(); i++) {
			byTable.computeIfAbsent(rows.get(i).table(), (t) -> new ArrayList<>()).add(i);
		}
		RowResult[] results = new RowResult[rows.size()];
		if (byTable.size() == 1) {
			Map.Entry<TableName, List<Integer>> only = byTable.entrySet().iterator().next();
			writeTable(only.getKey(), only.getValue(), rows, results, deadline);
		}
		else {
			List<CompletableFuture<Void>> calls = new ArrayList<>(byTable.size());
			for (Map.Entry<TableName, List<Integer>> group : byTable.entrySet()) {
				calls.add(CompletableFuture.runAsync(
						() -> writeTable(group.getKey(), group.getValue(), rows, results, deadline), this.requests));
			}
			CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
		}
		return List.of(results);
	}

	private void writeTable(TableName table, List<Integer> indexes, List<EventRow> rows, RowResult[] results,
			Instant deadline) {
		TableId tableId = TableId.of(this.project, this.dataset, table.template());
		Deque<List<Integer>> work = new ArrayDeque<>();
		work.add(indexes);
		int attempts = 0;
		int failures = 0;
		Failure last = null;
		while (!work.isEmpty()) {
			List<Integer> chunk = work.poll();
			if (failures > 0 && !this.retry.pause(failures, timeLeft(deadline))) {
				work.addFirst(chunk);
				break;
			}
			if (attempts > 0 && timeLeft(deadline).compareTo(this.retry.minTimeLeft()) < 0) {
				work.addFirst(chunk);
				break;
			}
			attempts++;
			InsertAllResponse response;
			try {
				response = this.bigQuery.insertAll(request(tableId, table.suffix(), chunk, rows));
			}
			catch (RuntimeException ex) {
				Failure failure = classify(ex);
				if (failure.kind() == Kind.CONFIGURATION) {
					reportProblem(tableId, table, failure);
					fill(results, chunk, RowResult.retry(failure.reason(), failure.detail()));
					for (List<Integer> rest : work) {
						fill(results, rest, RowResult.retry(failure.reason(), failure.detail()));
					}
					return;
				}
				if (failure.kind() == Kind.INVALID) {
					if (chunk.size() == 1) {
						results[chunk.get(0)] = RowResult.rejected("invalid", failure.detail());
					}
					else {
						// The request as a whole was refused (too large, a bad value):
						// halve it to find the row.
						work.addFirst(chunk.subList(chunk.size() / 2, chunk.size()));
						work.addFirst(chunk.subList(0, chunk.size() / 2));
					}
					continue;
				}
				logger.debug("BigQuery insert into {} (suffix '{}') failed, attempt {}: {} {}", tableId.getTable(),
						table.suffix(), attempts, failure.reason(), failure.detail());
				last = failure;
				failures++;
				work.addFirst(chunk);
				continue;
			}
			clearProblem(tableId);
			List<Integer> resend = new ArrayList<>();
			boolean transientRows = false;
			Map<Long, List<BigQueryError>> errors = response.getInsertErrors();
			for (int i = 0; i < chunk.size(); i++) {
				int index = chunk.get(i);
				List<BigQueryError> rowErrors = (errors != null) ? errors.get((long) i) : null;
				if (rowErrors == null || rowErrors.isEmpty()) {
					results[index] = RowResult.stored();
					continue;
				}
				BigQueryError own = ownError(rowErrors);
				if (own == null) {
					resend.add(index);
				}
				else if (isTransient(own.getReason())) {
					resend.add(index);
					transientRows = true;
					last = new Failure(Kind.TRANSIENT, own.getReason(), own.getMessage());
				}
				else {
					results[index] = RowResult.rejected(reasonCode(own.getReason()), rowErrorDetail(own));
				}
			}
			if (!resend.isEmpty()) {
				// Rows that were only stopped go again at once; rows with an error of
				// their own wait as retries do.
				failures = transientRows ? failures + 1 : 0;
				work.addFirst(resend);
			}
		}
		if (!work.isEmpty()) {
			int left = 0;
			RowResult retry = (last != null) ? RowResult.retry(reasonCode(last.reason()), last.detail())
					: RowResult.retry("deadline", "no time left before the push deadline");
			for (List<Integer> chunk : work) {
				fill(results, chunk, retry);
				left += chunk.size();
			}
			logger.warn(
					"BigQuery insert into {} (suffix '{}') gave up after {} attempts before the push deadline;"
							+ " {} rows will be redelivered: {}",
					describe(tableId), table.suffix(), attempts, left, retry.detail());
		}
	}

	private InsertAllRequest request(TableId tableId, String suffix, List<Integer> chunk, List<EventRow> rows) {
		InsertAllRequest.Builder request = InsertAllRequest.newBuilder(tableId);
		if (!suffix.isEmpty()) {
			request.setTemplateSuffix(suffix);
		}
		for (int index : chunk) {
			EventRow row = rows.get(index);
			request.addRow(row.messageId(), json(row.values()));
		}
		return request.build();
	}

	/**
	 * The row as insertAll JSON: column names as keys, each value encoded by its column's
	 * {@link Column.Type#json type}, absent values left out.
	 */
	static Map<String, Object> json(Map<String, Object> values) {
		Map<String, Object> json = new HashMap<>(values.size() * 2);
		for (Map.Entry<String, Object> entry : values.entrySet()) {
			Object value = entry.getValue();
			if (value != null) {
				json.put(entry.getKey(), RowSchema.type(entry.getKey()).json(value));
			}
		}
		return json;
	}

	private Duration timeLeft(Instant deadline) {
		return Duration.between(this.clock.instant(), deadline);
	}

	private static Failure classify(RuntimeException ex) {
		if (!(ex instanceof BigQueryException bq)) {
			return new Failure(Kind.TRANSIENT, "client_error", ex.getClass().getSimpleName() + ": " + ex.getMessage());
		}
		int code = bq.getCode();
		String reason = bq.getReason();
		if (code == 0 && bq.getCause() instanceof InterruptedException) {
			// gax reports a read timeout (SocketTimeoutException is an
			// InterruptedIOException) this way.
			return new Failure(Kind.TRANSIENT, "timeout", "no answer within the read timeout");
		}
		String detail = "HTTP " + code + ((reason != null) ? " " + reason : "") + ": " + bq.getMessage();
		if (code == 0 || code >= 500 || code == 408 || code == 429 || isTransient(reason)) {
			return new Failure(Kind.TRANSIENT, (reason != null) ? reason : ((code == 0) ? "io_error" : "http_" + code),
					detail);
		}
		if (code == 404 || code == 401 || code == 403 || "notFound".equals(reason) || "accessDenied".equals(reason)) {
			return new Failure(Kind.CONFIGURATION, (reason != null) ? reason : "http_" + code, detail);
		}
		if (code == 400) {
			return new Failure(Kind.INVALID, "invalid", detail);
		}
		return new Failure(Kind.TRANSIENT, "http_" + code, detail);
	}

	private static boolean isTransient(String reason) {
		return reason != null && TRANSIENT_REASONS.contains(reason);
	}

	private static BigQueryError ownError(List<BigQueryError> errors) {
		for (BigQueryError error : errors) {
			if (!"stopped".equals(error.getReason())) {
				return error;
			}
		}
		return null;
	}

	private static String rowErrorDetail(BigQueryError error) {
		String location = error.getLocation();
		return ((location != null && !location.isEmpty()) ? location + ": " : "") + error.getMessage();
	}

	private static String reasonCode(String reason) {
		return (reason != null && !reason.isEmpty()) ? reason : "invalid";
	}

	private static void fill(RowResult[] results, List<Integer> indexes, RowResult result) {
		for (int index : indexes) {
			results[index] = result;
		}
	}

	private void reportProblem(TableId tableId, TableName table, Failure failure) {
		String what = "notFound".equals(failure.reason()) || failure.detail().startsWith("HTTP 404")
				? "BigQuery table " + describe(tableId) + " (or its dataset) was not found when inserting into '"
						+ table.full() + "': create the dataset and the template table (schema in "
						+ BigQueryTemplateTable.SCHEMA_RESOURCE + ") or set pipeline.bigquery.create-template=true"
				: "BigQuery refused inserts into " + describe(tableId) + " (" + failure.reason()
						+ "): grant the service account roles/bigquery.dataEditor on the dataset";
		String message = what + "; pushes are answered 503 until then";
		Instant now = this.clock.instant();
		Problem previous = this.problem.getAndSet(new Problem(message, now));
		// One line when the problem starts (or comes back after a quiet spell), not one
		// per request.
		if (previous == null || !previous.message().equals(message)
				|| previous.seenAt().plus(PROBLEM_HOLD).isBefore(now)) {
			logger.error("{} [{}]", message, failure.detail());
		}
	}

	private void clearProblem(TableId tableId) {
		Problem previous = this.problem.getAndSet(null);
		if (previous != null) {
			logger.info("BigQuery inserts into {} work again", describe(tableId));
		}
	}

	private static String describe(TableId tableId) {
		return BigQueryTemplateTable.describe(tableId);
	}

}
