package dev.pixelpipeline.ingest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.pixelpipeline.support.FaultInjection;
import dev.pixelpipeline.support.FaultInjection.Fault;
import dev.pixelpipeline.support.Fixtures;
import dev.pixelpipeline.support.PipelineApp;
import dev.pixelpipeline.support.PubSubEmulator;
import dev.pixelpipeline.support.PubSubEmulator.Message;
import dev.pixelpipeline.support.Pushes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pull mode against Google's Pub/Sub emulator: the streaming-pull subscriber stores the
 * same rows as a push subscription does for the same log entries (pushed to a second
 * instance in push mode: a pull-mode instance has no push endpoint), acks them (nothing
 * is redelivered once stored), and nacks a message whose write failed so that it comes
 * back and is stored once.
 */
class PullModeIntegrationTests {

	@TempDir
	Path data;

	@Test
	void pullStoresTheSameRowsAsPush() {
		PubSubEmulator emulator = PubSubEmulator.shared();
		String pullTopic = "pull-" + UUID.randomUUID();
		String pushTopic = "push-" + UUID.randomUUID();
		emulator.createTopic(pullTopic);
		emulator.createTopic(pushTopic);
		emulator.createPullSubscription("s-" + pullTopic, pullTopic, 10);
		Map<String, Object> properties = new LinkedHashMap<>(emulator.clientProperties());
		properties.put("pipeline.embedded.path", this.data.resolve("pull.duckdb").toString());
		properties.put("pipeline.ingest.mode", "pull");
		properties.put("pipeline.ingest.subscription", "s-" + pullTopic);
		properties.put("pipeline.ingest.max-outstanding-messages", "10");
		Map<String, Object> pushProperties = new LinkedHashMap<>(emulator.clientProperties());
		pushProperties.put("pipeline.embedded.path", this.data.resolve("push.duckdb").toString());
		try (PipelineApp app = PipelineApp.start(properties, FaultInjection.class);
				PipelineApp pushApp = PipelineApp.start(pushProperties)) {
			emulator.createWrappedPushSubscription("s-" + pushTopic, pushTopic, pushApp.pushEndpoint(), 10);
			List<String> pulled = new ArrayList<>();
			List<String> pushed = new ArrayList<>();
			// The same entry under two insertIds, so that each path stores its own row.
			for (String fixture : PipelineApp.HIT_FIXTURES) {
				String json = PipelineApp.resource("fixtures/" + fixture + ".json");
				pulled.add("pulled-" + fixture);
				pushed.add("pushed-" + fixture);
				emulator.publish(pullTopic, Message.logEntry(Fixtures.withInsertId(json, "pulled-" + fixture)));
				emulator.publish(pushTopic, Message.logEntry(Fixtures.withInsertId(json, "pushed-" + fixture)));
			}
			String poison = emulator.publish(pullTopic, Message.raw("not json"));
			Map<String, Map<String, Object>> events = app.awaitEvents(pulled, Duration.ofSeconds(60));
			Map<String, Map<String, Object>> pushedEvents = pushApp.awaitEvents(pushed, Duration.ofSeconds(60));
			app.awaitBadRows(List.of(poison), Duration.ofSeconds(30));

			for (int i = 0; i < pulled.size(); i++) {
				assertThat(comparable(events.get(pulled.get(i)))).as(PipelineApp.HIT_FIXTURES.get(i))
					.isEqualTo(comparable(pushedEvents.get(pushed.get(i))));
			}
			assertThat(app.badRowsById().get(poison)).containsEntry("subscription",
					PubSubEmulator.subscriptionPath("s-" + pullTopic));
			// Acked: nothing is left for another reader of the pull subscription.
			assertThat(emulator.pullAndAck("s-" + pullTopic, 10)).isEmpty();

			// A failed write is nacked, redelivered and then stored once.
			FaultInjection.Faults faults = app.context().getBean(FaultInjection.Faults.class);
			faults.policy((rows) -> rows.stream().anyMatch((row) -> faults.attempts(row.messageId()) == 1)
					? Fault.FAIL_BEFORE_WRITE : Fault.NONE);
			List<String> retried = List.of("r1", "r2");
			emulator.publish(pullTopic, List.of(Message.logEntry(Pushes.pixelHit("r1", "pull-retry")),
					Message.logEntry(Pushes.pixelHit("r2", "pull-retry"))));
			app.awaitEvents(retried, Duration.ofSeconds(60));
			for (String id : retried) {
				assertThat(faults.attempts(id)).as("write attempts of %s", id).isGreaterThanOrEqualTo(2);
			}
		}
	}

	private static Map<String, Object> comparable(Map<String, Object> row) {
		Map<String, Object> copy = new LinkedHashMap<>(row);
		copy.remove("message_id");
		copy.remove("received_at");
		return copy;
	}

}
