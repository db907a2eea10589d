package dev.pixelpipeline.ingest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.pixelpipeline.support.AckLedger;
import dev.pixelpipeline.support.BigQueryServer;
import dev.pixelpipeline.support.BigQueryServer.Answer;
import dev.pixelpipeline.support.Fixtures;
import dev.pixelpipeline.support.PipelineApp;
import dev.pixelpipeline.support.PubSubEmulator;
import dev.pixelpipeline.support.PubSubEmulator.Message;
import dev.pixelpipeline.support.Pushes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The BigQuery sink end to end: Google's Pub/Sub emulator pushes log entries to the real
 * application, whose BigQuery client inserts into a stand-in of the BigQuery API that
 * fails a third of the insert calls (mostly 503s and dropped connections, a few answers
 * slower than the push deadline). Every message id arrives as a committed insertId,
 * fixtures become exactly the expected rows, bad rows stay in the embedded table, and no
 * push is acked before its rows were committed.
 */
class BigQueryPubSubIntegrationTests {

	@TempDir
	Path data;

	private BigQueryServer bigQuery;

	@AfterEach
	void stop() {
		if (this.bigQuery != null) {
			this.bigQuery.close();
		}
	}

	private PipelineApp start(Map<String, String> extra) {
		this.bigQuery = BigQueryServer.start();
		Map<String, Object> properties = new LinkedHashMap<>(this.bigQuery.properties());
		properties.put("pipeline.embedded.path", this.data.resolve("bad-rows.duckdb").toString());
		properties.putAll(extra);
		PipelineApp app = PipelineApp.start(properties, AckLedger.class);
		BigQueryServer server = this.bigQuery;
		app.context().getBean(AckLedger.Ledger.class).committed((id) -> server.committedInsertIds().contains(id));
		return app;
	}

	@Test
	void fixturesBecomeExactlyTheExpectedInsertAllRows() {
		PubSubEmulator emulator = PubSubEmulator.shared();
		try (PipelineApp app = start(Map.of())) {
			String topic = "t-" + UUID.randomUUID();
			emulator.createTopic(topic);
			emulator.createWrappedPushSubscription("s-" + topic, topic, app.pushEndpoint(), 10);
			Map<String, String> tableById = new LinkedHashMap<>();
			Map<String, String> expected = Map.of("cdn-cache-hit", "pixel_5f2b8c1e9a7d3e4f6a1b2c3d_20261004",
					"backend-response", "pixel_guest_77_20261004", "regional-lb-cloud-armor", "pixel_eu_301_20261005",
					"revalidated-304", "pixel_5f2b8c1e9a7d3e4f6a1b2c3d_20261004");
			// The row's insertId is the LogEntry's insertId.
			for (String fixture : PipelineApp.HIT_FIXTURES) {
				String id = fixture + "-" + topic;
				emulator.publish(topic, Message
					.logEntry(Fixtures.withInsertId(PipelineApp.resource("fixtures/" + fixture + ".json"), id)));
				tableById.put(id, expected.get(fixture));
			}
			String poison = emulator.publish(topic, Message.raw("not json"));
			PipelineApp.await(() -> this.bigQuery.committedInsertIds().containsAll(tableById.keySet()),
					Duration.ofSeconds(60), () -> "committed: " + this.bigQuery.committedInsertIds());
			app.awaitBadRows(List.of(poison), Duration.ofSeconds(30));
			assertThat(this.bigQuery.committedTables()).containsAllEntriesOf(tableById);
			assertThat(this.bigQuery.committedInsertIds()).doesNotContain(poison);
			assertThat(app.context().getBean(AckLedger.Ledger.class).ackedUncommitted()).isEmpty();
		}
	}

	@Test
	void everyMessageIsCommittedWhileAThirdOfTheInsertsFail() {
		PubSubEmulator emulator = PubSubEmulator.shared();
		// Short deadlines, so that the few slow answers stall the emulator's two-wide
		// push window only briefly; the
		// client gives up on an answer after a second and retries, and the slow answer
		// commits all the same.
		try (PipelineApp app = start(Map.of("pipeline.push.deadline", "2s", "pipeline.bigquery.read-timeout", "1s",
				"pipeline.bigquery.batch.max-delay", "2ms"))) {
			Answer[] faults = new Answer[40];
			for (int i = 0; i < faults.length; i++) {
				faults[i] = (i % 2 == 0) ? Answer.backendError() : Answer.droppedConnection();
			}
			faults[7] = Answer.rateLimited();
			faults[13] = Answer.error(500, "internalError");
			faults[20] = Answer.ok().after(Duration.ofMillis(2500));
			faults[33] = Answer.backendError().after(Duration.ofMillis(2500));
			this.bigQuery.faultRate(1.0 / 3, 20261128L, faults);
			String topic = "t-" + UUID.randomUUID();
			emulator.createTopic(topic);
			emulator.createWrappedPushSubscription("s-" + topic, topic, app.pushEndpoint(), 10);
			List<Message> messages = new ArrayList<>();
			List<String> ids = new ArrayList<>();
			for (int i = 0; i < 2000; i++) {
				messages.add(Message.logEntry(Pushes.pixelHit("entry-" + i, "u" + (i % 7))));
				ids.add("entry-" + i);
			}
			emulator.publish(topic, messages);
			PipelineApp.await(() -> this.bigQuery.committedInsertIds().containsAll(ids), Duration.ofMinutes(4),
					() -> "missing insertIds: "
							+ ids.stream().filter((id) -> !this.bigQuery.committedInsertIds().contains(id)).count());

			assertThat(new HashSet<>(ids)).hasSize(2000);
			assertThat(this.bigQuery.committedInsertIds()).containsExactlyInAnyOrderElementsOf(ids);
			assertThat(this.bigQuery.insertAlls()).extracting(BigQueryServer.InsertAll::answer)
				.anyMatch((a) -> a.startsWith("503"))
				.anyMatch((a) -> a.contains("CONNECTION_RESET"));
			assertThat(app.context().getBean(AckLedger.Ledger.class).ackedUncommitted()).isEmpty();
		}
	}

}
