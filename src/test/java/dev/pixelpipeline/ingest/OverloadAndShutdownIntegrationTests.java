package dev.pixelpipeline.ingest;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.pixelpipeline.store.EmbeddedDatabase;
import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.support.FaultInjection;
import dev.pixelpipeline.support.FaultInjection.Fault;
import dev.pixelpipeline.support.PipelineApp;
import dev.pixelpipeline.support.Pushes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over plain HTTP against a slow store: overload is answered 429 at once and recovers by
 * itself; a shutdown in the middle of pushes answers each of them either 204 with its row
 * stored, or non-2xx — never 204 unstored.
 */
class OverloadAndShutdownIntegrationTests {

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
			List<String> stored = reopened.events(100, null).stream().map((r) -> (String) r.get("message_id")).toList();
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
