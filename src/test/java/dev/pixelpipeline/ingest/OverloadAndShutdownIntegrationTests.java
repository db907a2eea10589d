package dev.pixelpipeline.ingest;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import dev.pixelpipeline.config.PipelineProperties;
import dev.pixelpipeline.store.embedded.EmbeddedDatabase;
import dev.pixelpipeline.store.embedded.EmbeddedReads;
import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.support.BigQueryServer;
import dev.pixelpipeline.support.BigQueryServer.Answer;
import dev.pixelpipeline.support.FaultInjection;
import dev.pixelpipeline.support.FaultInjection.Fault;
import dev.pixelpipeline.support.PipelineApp;
import dev.pixelpipeline.support.Pushes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over plain HTTP against a slow or hanging store: overload is answered 429 at once and
 * recovers by itself; a push whose write hangs is answered 503 at its deadline, before
 * Pub/Sub's ack deadline; a shutdown in the middle of pushes answers each of them either
 * 204 with its row stored, or non-2xx — never 204 unstored — and ends within Cloud Run's
 * 10 s even with a full batch hanging in BigQuery.
 */
class OverloadAndShutdownIntegrationTests {

	private static final Logger logger = LoggerFactory.getLogger(OverloadAndShutdownIntegrationTests.class);

	/**
	 * How late after the push deadline a 503 may come: the servlet's own timer fires 250
	 * ms after it (so that the sink's answer, with its reason, wins when both are due);
	 * the rest is room for a loaded machine.
	 */
	private static final Duration ANSWER_MARGIN = Duration.ofSeconds(1);

	/**
	 * Pub/Sub's shortest ack deadline: a push answered later counts as failed whatever
	 * the answer, and the default push deadline is chosen to stay under it.
	 */
	private static final Duration SHORTEST_ACK_DEADLINE = Duration.ofSeconds(10);

	/**
	 * Cloud Run sends SIGKILL this long after SIGTERM, less the half second the JVM needs
	 * to exit after the context closed.
	 */
	private static final Duration SHUTDOWN_BUDGET = Duration.ofMillis(9_500);

	@TempDir
	Path data;

	private final ExecutorService clients = Executors.newFixedThreadPool(40);

	@AfterEach
	void stopClients() {
		this.clients.shutdownNow();
	}

	private PipelineApp start(Path db) {
		return PipelineApp.start(Map.of("pipeline.embedded.path", db.toString(), "test.sink.max-pending", "4",
				"test.sink.max-rows", "1", "test.sink.writers", "1", "spring.lifecycle.timeout-per-shutdown-phase",
				"2s", "pipeline.shutdown.flush-timeout", "500ms"), FaultInjection.class);
	}

	private List<CompletableFuture<Integer>> pushAll(int port, String prefix, int count) {
		List<CompletableFuture<Integer>> answers = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			String body = Pushes.wrapped(prefix + i,
					Pushes.pixelHit(prefix + i, "u1").getBytes(StandardCharsets.UTF_8));
			answers.add(CompletableFuture.supplyAsync(() -> Pushes.status(port, body), this.clients));
		}
		return answers;
	}

	@Test
	void overloadIsAnswered429AndRecoversOnItsOwn() {
		try (PipelineApp app = start(this.data.resolve("overload.duckdb"))) {
			FaultInjection.Faults faults = app.context().getBean(FaultInjection.Faults.class);
			faults.slowness(Duration.ofMillis(300));
			faults.policy((rows) -> Fault.SLOW);
			List<Integer> statuses = pushAll(app.port(), "burst-", 40).stream().map(CompletableFuture::join).toList();
			assertThat(statuses).contains(429, 204).allMatch((s) -> s == 429 || s == 204);
			for (int i = 0; i < statuses.size(); i++) {
				boolean stored = app.eventsById().containsKey("burst-" + i);
				assertThat(stored).as("burst-%d answered %d", i, statuses.get(i)).isEqualTo(statuses.get(i) == 204);
			}

			faults.policy((rows) -> Fault.NONE);
			List<Integer> after = pushAll(app.port(), "calm-", 1).stream().map(CompletableFuture::join).toList();
			for (int i = 0; i < 5; i++) {
				after = new ArrayList<>(after);
				after.add(Pushes.status(app.port(), Pushes.wrapped("calm-seq-" + i,
						Pushes.pixelHit("calm-seq-" + i, "u1").getBytes(StandardCharsets.UTF_8))));
			}
			assertThat(after).containsOnly(204);
		}
	}

	@Test
	void aPushWhoseEmbeddedWriteHangsIsAnswered503AtItsDeadline() {
		Duration deadline = Duration.ofSeconds(2);
		try (PipelineApp app = PipelineApp.start(Map.of("pipeline.embedded.path",
				this.data.resolve("hang.duckdb").toString(), "pipeline.push.deadline", "2s"), FaultInjection.class)) {
			FaultInjection.Faults faults = app.context().getBean(FaultInjection.Faults.class);
			faults.slowness(Duration.ofMinutes(5));
			faults.policy((rows) -> Fault.SLOW);

			long start = System.nanoTime();
			int status = Pushes.status(app.port(), Pushes.wrappedHit("hang-1", "u1"));
			Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
			logger.info("Hanging embedded write: answered {} after {} (deadline {})", status, elapsed, deadline);

			assertThat(status).isEqualTo(503);
			assertThat(faults.calls()).as("the write had started and hung").isEqualTo(1);
			assertThat(elapsed).as("answered at the push deadline %s", deadline)
				.isGreaterThanOrEqualTo(deadline)
				.isLessThan(deadline.plus(ANSWER_MARGIN));
		}
	}

	/**
	 * With a short push deadline the insert hangs past it (the client's read timeout, 4
	 * s, is longer); with the default one (9 s) the client gives up twice and retries
	 * while time remains. Either way the push is answered 503 within a margin of its
	 * deadline and before Pub/Sub's shortest ack deadline, and not before the writer's
	 * last chance to start an attempt ({@code pipeline.bigquery.retry.min-time-left}
	 * before the deadline) has passed.
	 */
	@ParameterizedTest(name = "pipeline.push.deadline={0}")
	@ValueSource(strings = { "2s", "default" })
	void aPushWhoseBigQueryInsertHangsIsAnswered503BeforeTheAckDeadline(String deadlineSetting) {
		try (BigQueryServer bigQuery = BigQueryServer.start()) {
			bigQuery.answerAlways(Answer.hang());
			Map<String, Object> properties = new LinkedHashMap<>(bigQuery.properties());
			properties.put("pipeline.embedded.path", ":memory:");
			if (!"default".equals(deadlineSetting)) {
				properties.put("pipeline.push.deadline", deadlineSetting);
			}
			try (PipelineApp app = PipelineApp.start(properties)) {
				PipelineProperties settings = app.context().getBean(PipelineProperties.class);
				Duration deadline = settings.push().deadline();
				Duration earliest = deadline.minus(settings.bigquery().retry().minTimeLeft());

				long start = System.nanoTime();
				int status = Pushes.status(app.port(), Pushes.wrappedHit("hang-bq", "u1"));
				Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
				logger.info("Hanging BigQuery insert: answered {} after {} (deadline {})", status, elapsed, deadline);

				assertThat(status).isEqualTo(503);
				assertThat(bigQuery.insertAlls()).as("inserts that arrived and hung")
					.isNotEmpty()
					.allSatisfy((insert) -> assertThat(insert.answer()).isEqualTo("hang"));
				assertThat(bigQuery.committedInsertIds()).isEmpty();
				assertThat(elapsed).as("answered at the push deadline %s", deadline)
					.isGreaterThanOrEqualTo(earliest)
					.isLessThan(deadline.plus(ANSWER_MARGIN))
					.isLessThan(SHORTEST_ACK_DEADLINE);
			}
		}
	}

	/**
	 * A full batch ({@code max-rows} rows) hangs in BigQuery and more rows wait behind it
	 * when the application stops. The stop is a close of the context in this JVM, which
	 * runs what SIGTERM's shutdown hook runs, in the same order: the web server's
	 * graceful shutdown ({@code spring.lifecycle.timeout-per-shutdown-phase}), then
	 * {@code SinkShutdown} ({@code pipeline.shutdown.flush-timeout}), then the web server
	 * stops and the beans are destroyed. Every timeout is the production default. The
	 * close ends within Cloud Run's grace period, and every push got an answer: 503,
	 * since nothing was committed, none left without one.
	 */
	@Test
	void shutdownWithAFullBigQueryBatchHangingEndsWithinCloudRunsGracePeriod() throws Exception {
		int fullBatch = 100;
		int queued = 20;
		ExecutorService senders = Executors.newFixedThreadPool(fullBatch + queued);
		try (BigQueryServer bigQuery = BigQueryServer.start()) {
			bigQuery.answerAlways(Answer.hang());
			Map<String, Object> properties = new LinkedHashMap<>(bigQuery.properties());
			properties.put("pipeline.embedded.path", ":memory:");
			// One writer, and a batch goes out only when full: the first rows make one
			// full
			// batch, the rest wait behind it.
			properties.put("pipeline.bigquery.batch.max-rows", String.valueOf(fullBatch));
			properties.put("pipeline.bigquery.batch.writers", "1");
			properties.put("pipeline.bigquery.batch.max-delay", "30s");
			properties.put("pipeline.bigquery.batch.max-idle", "30s");
			// Still hanging when the sinks flush, however slow the machine: with the
			// default 4 s the client may give up on its own first.
			properties.put("pipeline.bigquery.read-timeout", "60s");
			PipelineApp app = PipelineApp.start(properties);
			List<CompletableFuture<Integer>> answers = new ArrayList<>();
			Duration closing;
			try {
				MeterRegistry meters = app.context().getBean(MeterRegistry.class);
				for (int i = 0; i < fullBatch + queued; i++) {
					String id = "full-" + i;
					String body = Pushes.wrappedHit(id, "u1");
					answers.add(CompletableFuture.supplyAsync(() -> Pushes.status(app.port(), body), senders));
				}
				PipelineApp.await(() -> bigQuery.insertAlls().stream().anyMatch((r) -> r.rows().size() == fullBatch),
						Duration.ofSeconds(30), () -> "no full batch reached BigQuery: " + bigQuery.insertAlls());
				PipelineApp.await(() -> received(meters) == fullBatch + queued, Duration.ofSeconds(30),
						() -> received(meters) + " pushes received");
			}
			finally {
				long start = System.nanoTime();
				app.close();
				closing = Duration.ofNanos(System.nanoTime() - start);
			}
			List<Integer> statuses = new ArrayList<>();
			for (CompletableFuture<Integer> answer : answers) {
				statuses.add(answer.get(30, TimeUnit.SECONDS));
			}

			logger.info("Context closed in {} with a full batch of {} rows hanging and {} behind it", closing,
					fullBatch, queued);
			assertThat(closing).as("context close with a full batch hanging").isLessThan(SHUTDOWN_BUDGET);
			assertThat(bigQuery.committedInsertIds()).isEmpty();
			assertThat(statuses).as("every push answered (-1: the connection closed without an answer)")
				.hasSize(fullBatch + queued)
				.containsOnly(503);
		}
		finally {
			senders.shutdownNow();
		}
	}

	private static double received(MeterRegistry meters) {
		return meters.find("pixel.events.received").counters().stream().mapToDouble(Counter::count).sum();
	}

	@Test
	void pushesInFlightDuringShutdownAreStoredOrNotAcked() throws Exception {
		Path db = this.data.resolve("shutdown.duckdb");
		List<CompletableFuture<Integer>> answers;
		try (PipelineApp app = start(db)) {
			FaultInjection.Faults faults = app.context().getBean(FaultInjection.Faults.class);
			faults.slowness(Duration.ofMillis(700));
			faults.policy((rows) -> Fault.SLOW);
			answers = pushAll(app.port(), "inflight-", 5);
			PipelineApp.await(() -> faults.calls() >= 1, Duration.ofSeconds(30), () -> "no write started");
		}
		List<Integer> statuses = answers.stream().map(CompletableFuture::join).toList();
		try (EmbeddedDatabase reopened = new EmbeddedDatabase(db.toString(),
				RowSchema.of(List.of("user_id", "order_id", "type")), "pixel")) {
			List<String> stored = new EmbeddedReads(reopened).events(100, null)
				.stream()
				.map((r) -> (String) r.get("message_id"))
				.toList();
			for (int i = 0; i < statuses.size(); i++) {
				int status = statuses.get(i);
				if (status / 100 == 2) {
					assertThat(stored).as("inflight-%d answered %d", i, status).contains("inflight-" + i);
				}
			}
			assertThat(statuses).as("some pushes were stored during the shutdown").contains(204);
			assertThat(statuses).as("some could not be, and were not acked").anyMatch((s) -> s / 100 != 2);
		}
	}

}
