package dev.pixelpipeline.ingest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.pixelpipeline.support.FaultInjection;
import dev.pixelpipeline.support.FaultInjection.Fault;
import dev.pixelpipeline.support.PipelineApp;
import dev.pixelpipeline.support.PubSubEmulator;
import dev.pixelpipeline.support.PubSubEmulator.Message;
import dev.pixelpipeline.support.Pushes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No loss, no duplicates, through Google's Pub/Sub emulator: every published log entry
 * ends up stored exactly once while the store fails a third of its writes, and across a
 * restart of the service in the middle of a stream; no push is ever acked for a row that
 * was not committed.
 */
class NoLossIntegrationTests {

	@TempDir
	Path data;

	private static List<Message> logEntries(int count) {
		List<Message> messages = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			messages.add(Message.logEntry(Pushes.pixelHit(insertId(i), "u" + (i % 7))));
		}
		return messages;
	}

	/** Each entry's own insertId, the key of its row. */
	private static String insertId(int i) {
		return "entry-" + i;
	}

	/** The row keys of the first {@code count} entries. */
	private static List<String> insertIds(int count) {
		List<String> ids = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			ids.add(insertId(i));
		}
		return ids;
	}

	private static Map<String, Object> properties(Path db, int port) {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("pipeline.embedded.path", db.toString());
		properties.put("server.port", Integer.toString(port));
		return properties;
	}

	@Test
	void everyMessageIsStoredExactlyOnceWhileAThirdOfTheWritesFail() {
		PubSubEmulator emulator = PubSubEmulator.shared();
		try (PipelineApp app = PipelineApp.start(properties(this.data.resolve("faults.duckdb"), 0),
				FaultInjection.class)) {
			FaultInjection.Faults faults = app.context().getBean(FaultInjection.Faults.class);
			// Every third write call fails, alternately before the commit and after it
			// (answer lost).
			faults.policy((rows) -> {
				int call = faults.calls();
				if (call % 3 != 0) {
					return Fault.NONE;
				}
				return (call % 6 == 0) ? Fault.FAIL_AFTER_WRITE : Fault.FAIL_BEFORE_WRITE;
			});
			String topic = "t-" + UUID.randomUUID();
			emulator.createTopic(topic);
			emulator.createWrappedPushSubscription("s-" + topic, topic, app.pushEndpoint(), 10);
			emulator.publish(topic, logEntries(2000));
			List<String> ids = insertIds(2000);

			Map<String, Map<String, Object>> stored = app.awaitEvents(ids, Duration.ofMinutes(3));

			assertThat(new HashSet<>(ids)).hasSize(2000);
			assertThat(stored.keySet()).containsExactlyInAnyOrderElementsOf(ids);
			assertThat(faults.calls()).isGreaterThanOrEqualTo(3);
			assertThat(faults.answers()).containsKey(503);
			assertThat(faults.ackedUncommitted()).isEmpty();
		}
	}

	@Test
	void aRestartInTheMiddleOfAStreamLosesAndDuplicatesNothing() {
		PubSubEmulator emulator = PubSubEmulator.shared();
		Path db = this.data.resolve("restart.duckdb");
		int port = PubSubEmulator.freePort();
		String topic = "t-" + UUID.randomUUID();
		emulator.createTopic(topic);
		List<String> ids;
		List<String> ackedUncommitted = new ArrayList<>();
		try (PipelineApp first = PipelineApp.start(properties(db, port), FaultInjection.class)) {
			emulator.createWrappedPushSubscription("s-" + topic, topic, first.pushEndpoint(), 10);
			emulator.publish(topic, logEntries(400));
			ids = insertIds(400);
			PipelineApp.await(() -> first.eventsById().size() >= 120, Duration.ofMinutes(1),
					() -> "first instance stored " + first.eventsById().size());
			ackedUncommitted.addAll(first.context().getBean(FaultInjection.Faults.class).ackedUncommitted());
		}
		// Same file, same port: the subscription's push endpoint stays valid.
		try (PipelineApp second = PipelineApp.start(properties(db, port), FaultInjection.class)) {
			Map<String, Map<String, Object>> stored = second.awaitEvents(ids, Duration.ofMinutes(2));
			assertThat(stored.keySet()).containsExactlyInAnyOrderElementsOf(ids);
			ackedUncommitted.addAll(second.context().getBean(FaultInjection.Faults.class).ackedUncommitted());
			assertThat(second.context().getBean(FaultInjection.Faults.class).committed()).isNotEmpty();
		}
		assertThat(ackedUncommitted).isEmpty();
	}

}
