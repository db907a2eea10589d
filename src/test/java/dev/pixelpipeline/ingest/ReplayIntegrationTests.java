package dev.pixelpipeline.ingest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.pixelpipeline.support.ImageLayout;
import dev.pixelpipeline.support.FaultInjection;
import dev.pixelpipeline.support.FaultInjection.Fault;
import dev.pixelpipeline.support.PipelineApp;
import dev.pixelpipeline.support.PubSubEmulator;
import dev.pixelpipeline.support.PubSubEmulator.Message;
import dev.pixelpipeline.support.PubSubEmulator.Pulled;
import dev.pixelpipeline.support.Pushes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Outages without loss, end to end through Google's Pub/Sub emulator: a store outage
 * longer than the push subscription's delivery attempts sends the hits to the
 * undeliverable topic, and the replay (the packaged application in pull mode on the
 * undeliverable subscription, with {@code pipeline.ingest.exit-when-idle}) stores each of
 * them once and exits 0 by itself; a second replay of the same messages adds nothing.
 *
 * <p>
 * The emulator (0.8.20) honours a subscription's dead-letter policy, for push
 * subscriptions too: after {@code maxDeliveryAttempts} pushes answered non-2xx it
 * publishes a <em>new</em> message to the dead-letter topic, with a new message id and
 * publish time, the original data and attributes, plus
 * {@code CloudPubSubDeadLetterSourceDeliveryCount},
 * {@code CloudPubSubDeadLetterSourceSubscription},
 * {@code CloudPubSubDeadLetterSourceSubscriptionProject} and
 * {@code CloudPubSubDeadLetterSourceTopicPublishTime}. So this test uses the real
 * forwarding, not a stand-in. The key that makes the replay idempotent is therefore the
 * LogEntry's {@code insertId}, never the message id.
 */
class ReplayIntegrationTests {

	private static final int MAX_DELIVERY_ATTEMPTS = 5;

	private static final Duration WAIT = Duration.ofMinutes(2);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@TempDir
	Path data;

	@Test
	void anOutageLongerThanTheDeliveryAttemptsIsReplayedOnceAndEveryHitStoredOnce() throws Exception {
		PubSubEmulator emulator = PubSubEmulator.shared();
		String run = UUID.randomUUID().toString().substring(0, 8);
		String logTopic = "logs-" + run;
		String undeliverable = "undeliverable-" + run;
		emulator.createTopic(logTopic);
		emulator.createTopic(undeliverable);
		// What the replay reads, and a second subscription on which the test sees what
		// was
		// forwarded.
		emulator.createPullSubscription(undeliverable, undeliverable, 10);
		emulator.createPullSubscription("seen-" + undeliverable, undeliverable, 10);
		Path db = this.data.resolve("replay.duckdb");

		List<String> storedBefore = insertIds("before", 8);
		List<String> ackLost = insertIds("ack-lost", 8);
		List<String> neverStored = insertIds("never", 8);
		Set<String> undelivered = new HashSet<>(ackLost);
		undelivered.addAll(neverStored);
		Map<String, String> originalMessageIds = new HashMap<>();
		Map<String, Pulled> forwarded;

		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("pipeline.embedded.path", db.toString());
		properties.put("pipeline.push.deadline", "2s");
		try (PipelineApp app = PipelineApp.start(properties, FaultInjection.class)) {
			FaultInjection.Faults faults = app.context().getBean(FaultInjection.Faults.class);
			emulator.createWrappedPushSubscription("push-" + run, logTopic, app.pushEndpoint(), 10, undeliverable,
					MAX_DELIVERY_ATTEMPTS);

			// Before the outage: stored and acked.
			originalMessageIds.putAll(publish(emulator, logTopic, storedBefore));
			app.awaitEvents(storedBefore, WAIT);

			// The outage begins with writes that commit but whose answer is lost, so that
			// these hits are stored although Pub/Sub never hears it...
			faults.policy((rows) -> Fault.FAIL_AFTER_WRITE);
			originalMessageIds.putAll(publish(emulator, logTopic, ackLost));
			PipelineApp.await(() -> faults.committed().containsAll(ackLost), WAIT,
					() -> "committed: " + faults.committed());
			// ...and goes on with a store that fails every write, past the last attempt.
			faults.policy((rows) -> Fault.FAIL_BEFORE_WRITE);
			originalMessageIds.putAll(publish(emulator, logTopic, neverStored));

			forwarded = awaitForwarded(emulator, "seen-" + undeliverable, undelivered);
			emulator.deleteSubscription("push-" + run);

			assertThat(forwarded.keySet()).containsExactlyInAnyOrderElementsOf(undelivered);
			forwarded.forEach((insertId, message) -> {
				assertThat(message.messageId()).as("a forwarded message is a new message")
					.isNotEqualTo(originalMessageIds.get(insertId));
				assertThat(message.attributes())
					.containsEntry("CloudPubSubDeadLetterSourceDeliveryCount", Integer.toString(MAX_DELIVERY_ATTEMPTS))
					.containsKey("CloudPubSubDeadLetterSourceSubscription")
					.containsKey(PubSubEmulator.LOGGING_TIMESTAMP);
			});
			List<String> before = new ArrayList<>(storedBefore);
			before.addAll(ackLost);
			assertThat(app.eventsById().keySet()).containsExactlyInAnyOrderElementsOf(before);
			assertThat(faults.ackedUncommitted()).isEmpty();
		}

		Replay first = replay(emulator, db, undeliverable, "first");
		assertThat(first.exitCode()).as("first replay exits 0 by itself; log:%n%s", first.log()).isZero();
		assertThat(first.log()).contains("drained");

		// Dead-lettering is best effort and may forward a message twice: a second replay
		// of the same messages must add no row.
		List<Message> again = new ArrayList<>();
		forwarded.values().forEach((message) -> again.add(new Message(message.data(), message.attributes())));
		emulator.publish(undeliverable, again);
		Replay second = replay(emulator, db, undeliverable, "second");
		assertThat(second.exitCode()).as("second replay exits 0 by itself; log:%n%s", second.log()).isZero();
		assertThat(emulator.pullAndAck(undeliverable, 100)).as("left on the undeliverable subscription").isEmpty();

		List<String> all = new ArrayList<>(storedBefore);
		all.addAll(ackLost);
		all.addAll(neverStored);
		Map<String, Object> readOnly = new LinkedHashMap<>();
		readOnly.put("pipeline.embedded.path", db.toString());
		try (PipelineApp reader = PipelineApp.start(readOnly)) {
			// eventsById fails on a key stored twice.
			Map<String, Map<String, Object>> events = reader.eventsById();
			assertThat(events.keySet()).containsExactlyInAnyOrderElementsOf(all);
			assertThat(reader.database().count("SELECT count(*) FROM \"pixel_*\"")).isEqualTo(all.size());
			for (String insertId : all) {
				assertThat(events.get(insertId)).containsEntry("user_id", user(insertId))
					.containsEntry("_table", "pixel_" + user(insertId).replace('-', '_') + "_20261004");
			}
		}
	}

	private static List<String> insertIds(String group, int count) {
		List<String> ids = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			ids.add(group + "-" + i);
		}
		return ids;
	}

	/** The user of a hit: its group, so that hits spread over tables. */
	private static String user(String insertId) {
		return "u-" + insertId.substring(0, insertId.lastIndexOf('-'));
	}

	private static Map<String, String> publish(PubSubEmulator emulator, String topic, List<String> insertIds) {
		List<Message> messages = new ArrayList<>();
		for (String insertId : insertIds) {
			messages.add(Message.logEntry(Pushes.pixelHit(insertId, user(insertId))));
		}
		List<String> messageIds = emulator.publish(topic, messages);
		Map<String, String> byInsertId = new HashMap<>();
		for (int i = 0; i < insertIds.size(); i++) {
			byInsertId.put(insertIds.get(i), messageIds.get(i));
		}
		return byInsertId;
	}

	/**
	 * Pulls from a subscription of the undeliverable topic until every expected entry was
	 * forwarded; answers the messages by the insertId of their LogEntry.
	 */
	private static Map<String, Pulled> awaitForwarded(PubSubEmulator emulator, String subscription,
			Set<String> expected) {
		Map<String, Pulled> forwarded = new HashMap<>();
		PipelineApp.await(() -> {
			for (Pulled message : emulator.pullAndAck(subscription, 100)) {
				forwarded.put(JSON.readTree(message.data()).path("insertId").asString(), message);
			}
			return forwarded.keySet().containsAll(expected);
		}, WAIT, () -> "forwarded to the undeliverable topic: " + forwarded.keySet());
		return forwarded;
	}

	record Replay(int exitCode, String log) {
	}

	/**
	 * Runs the packaged application as the replay does: pull mode on the undeliverable
	 * subscription, ending by itself once it is drained.
	 */
	private Replay replay(PubSubEmulator emulator, Path db, String subscription, String name)
			throws IOException, InterruptedException {
		Path log = this.data.resolve("replay-" + name + ".log");
		List<String> command = new ArrayList<>();
		command.add(ProcessHandle.current().info().command().orElse("java"));
		command.addAll(List.of("-jar", ImageLayout.packagedJar().toString(), "--server.port=0",
				"--server.address=127.0.0.1", "--pipeline.embedded.path=" + db, "--pipeline.ingest.mode=pull",
				"--pipeline.ingest.subscription=" + subscription, "--pipeline.ingest.exit-when-idle=5s"));
		emulator.clientProperties().forEach((key, value) -> command.add("--" + key + "=" + value));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		boolean exited = process.waitFor(4, TimeUnit.MINUTES);
		if (!exited) {
			process.destroyForcibly().waitFor();
		}
		String output = Files.readString(log, StandardCharsets.UTF_8);
		return new Replay(exited ? process.exitValue() : -1, output);
	}

}
