package dev.pixelpipeline.ingest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.support.AckLedger;
import dev.pixelpipeline.support.BigQueryServer;
import dev.pixelpipeline.support.BigQueryWriteServer;
import dev.pixelpipeline.support.BigQueryWriteServer.Answer;
import dev.pixelpipeline.support.PipelineApp;
import dev.pixelpipeline.support.PubSubEmulator;
import dev.pixelpipeline.support.PubSubEmulator.Message;
import dev.pixelpipeline.support.Pushes;
import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The partitioned layout end to end: Google's Pub/Sub emulator pushes log entries to the
 * real application, which creates its one partitioned table through the BigQuery REST
 * stand-in and appends through the real {@code StreamWriter} to the Storage Write API
 * stand-in, which fails a third of the appends (in-stream UNAVAILABLE and INTERNAL,
 * connections closed by the server, answers slower than the push deadline). Every hit is
 * committed, exactly once after keeping one row per {@code message_id} (the dedup view's
 * rule), and no push is acked before the append that carried its row.
 */
class PartitionedLayoutIntegrationTests {

	private static final RowSchema SCHEMA = RowSchema.of(List.of("user_id", "order_id", "type"));

	@TempDir
	Path data;

	private BigQueryServer bigQuery;

	private BigQueryWriteServer writeApi;

	@AfterEach
	void stop() {
		if (this.writeApi != null) {
			this.writeApi.close();
		}
		if (this.bigQuery != null) {
			this.bigQuery.close();
		}
	}

	private PipelineApp start(Map<String, String> extra) {
		this.bigQuery = BigQueryServer.start();
		this.writeApi = BigQueryWriteServer.start(SCHEMA);
		Map<String, Object> properties = new LinkedHashMap<>(this.bigQuery.properties());
		properties.put("pipeline.bigquery.layout", "partitioned");
		properties.put("pipeline.bigquery.write-api-host", this.writeApi.hostPort());
		properties.put("pipeline.bigquery.create-template", "true");
		properties.put("pipeline.embedded.path", this.data.resolve("bad-rows.duckdb").toString());
		properties.putAll(extra);
		PipelineApp app = PipelineApp.start(properties, AckLedger.class);
		BigQueryWriteServer server = this.writeApi;
		app.context().getBean(AckLedger.Ledger.class).committed(server::isCommitted);
		return app;
	}

	@Test
	void everyHitIsStoredOnceByItsKeyWhileAThirdOfTheAppendsFail() {
		PubSubEmulator emulator = PubSubEmulator.shared();
		// Short deadlines, so that a slow answer (and the answers queued behind it on its
		// connection) stalls the emulator's push window only briefly.
		try (PipelineApp app = start(Map.of("pipeline.push.deadline", "2s", "pipeline.bigquery.batch.max-delay", "2ms",
				"pipeline.bigquery.retry.min-time-left", "300ms"))) {
			// The start-up health check (asynchronous) creates the table partitioned and
			// clustered.
			PipelineApp.await(() -> this.bigQuery.table("pixel_events") != null, Duration.ofSeconds(30),
					() -> "tables created: " + this.bigQuery.createdTables());
			Map<String, Object> table = this.bigQuery.table("pixel_events");
			assertThat(table).isNotNull();
			assertThat(table.get("timePartitioning")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
				.containsEntry("type", "DAY")
				.containsEntry("field", "event_time");
			assertThat(table.get("clustering")).isEqualTo(Map.of("fields", List.of("user_id", "type")));

			Answer[] faults = new Answer[30];
			for (int i = 0; i < faults.length; i++) {
				faults[i] = (i % 2 == 0) ? Answer.unavailable() : Answer.internal();
			}
			faults[5] = Answer.closeStream();
			faults[11] = Answer.closeStream(Status.Code.RESOURCE_EXHAUSTED);
			faults[17] = Answer.error(Status.Code.ABORTED);
			// One answer slower than the push deadline, early: the appends queued behind
			// it
			// on its connection time out too (answers come in order), so at a fault rate
			// it would dominate the run time.
			this.writeApi.answerNext(Answer.ok(), Answer.slow(Duration.ofMillis(2500)));
			this.writeApi.faultRate(1.0 / 3, 20261201L, faults);

			String topic = "t-" + UUID.randomUUID();
			emulator.createTopic(topic);
			emulator.createWrappedPushSubscription("s-" + topic, topic, app.pushEndpoint(), 10);
			List<Message> messages = new ArrayList<>();
			Map<String, String> userById = new HashMap<>();
			for (int i = 0; i < 2000; i++) {
				String id = "entry-" + i;
				String user = "u" + (i % 1000);
				messages.add(Message.logEntry(Pushes.pixelHit(id, user)));
				userById.put(id, user);
			}
			emulator.publish(topic, messages);
			PipelineApp.await(() -> this.writeApi.commitsByMessageId().keySet().containsAll(userById.keySet()),
					Duration.ofMinutes(3), () -> "missing message_ids: "
							+ userById.keySet().stream().filter((id) -> !this.writeApi.isCommitted(id)).count());

			// The dedup view's rule: one row per message_id. What is left is every hit,
			// once, with its own values.
			Map<String, Map<String, Object>> deduplicated = new LinkedHashMap<>();
			int committedRows = 0;
			for (BigQueryWriteServer.Append append : this.writeApi.appends()) {
				if (append.committed()) {
					for (Map<String, Object> row : append.rows()) {
						committedRows++;
						deduplicated.putIfAbsent((String) row.get("message_id"), row);
						assertThat(row.get("user_id")).as("user of %s", row.get("message_id"))
							.isEqualTo(userById.get(row.get("message_id")));
					}
				}
			}
			assertThat(deduplicated.keySet()).containsExactlyInAnyOrderElementsOf(userById.keySet());
			assertThat(committedRows).isGreaterThanOrEqualTo(2000);
			assertThat(this.writeApi.appends()).extracting(BigQueryWriteServer.Append::answer)
				.anyMatch((a) -> a.contains("UNAVAILABLE"))
				.anyMatch((a) -> a.contains("INTERNAL"))
				.anyMatch((a) -> a.startsWith("close"))
				.anyMatch((a) -> a.contains("after 2500 ms"));
			// Every push that was acked had its row committed at that moment.
			assertThat(app.context().getBean(AckLedger.Ledger.class).ackedUncommitted()).isEmpty();
			assertThat(app.context().getBean(AckLedger.Ledger.class).answers()).containsKey(503);
			assertThat(app.context()
				.getBean(io.micrometer.core.instrument.MeterRegistry.class)
				.find("pixel.bigquery.append.errors")
				.tag("code", "UNAVAILABLE")
				.counter()).isNotNull();
		}
	}

}
