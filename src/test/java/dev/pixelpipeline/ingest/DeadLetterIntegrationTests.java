package dev.pixelpipeline.ingest;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.pixelpipeline.store.BadRowSink;
import dev.pixelpipeline.store.deadletter.DeadLetterBadRowSink;
import dev.pixelpipeline.support.PipelineApp;
import dev.pixelpipeline.support.PubSubEmulator;
import dev.pixelpipeline.support.PubSubEmulator.Message;
import dev.pixelpipeline.support.PubSubEmulator.Pulled;
import dev.pixelpipeline.support.Pushes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code pipeline.dead-letter.topic} set, bad rows are published to that topic of
 * the Pub/Sub emulator before their push is acked, and a push whose publish fails is
 * answered 503.
 */
class DeadLetterIntegrationTests {

	@TempDir
	static Path data;

	static PubSubEmulator emulator;

	static PipelineApp app;

	static String deadTopic;

	static String deadSubscription;

	@BeforeAll
	static void start() {
		emulator = PubSubEmulator.shared();
		deadTopic = "dead-" + UUID.randomUUID();
		deadSubscription = "read-" + deadTopic;
		emulator.createTopic(deadTopic);
		emulator.createPullSubscription(deadSubscription, deadTopic, 10);
		Map<String, Object> properties = new java.util.LinkedHashMap<>(emulator.clientProperties());
		properties.put("pipeline.embedded.path", data.resolve("dead.duckdb").toString());
		properties.put("pipeline.dead-letter.topic", deadTopic);
		app = PipelineApp.start(properties);
	}

	@AfterAll
	static void stop() {
		if (app != null) {
			app.close();
		}
	}

	@Test
	void badRowsArePublishedToTheDeadLetterTopicWithTheOriginalData() {
		assertThat(app.context().getBean(BadRowSink.class)).isInstanceOf(DeadLetterBadRowSink.class);
		String topic = "t-" + UUID.randomUUID();
		emulator.createTopic(topic);
		emulator.createWrappedPushSubscription("s-" + topic, topic, app.pushEndpoint(), 10);
		String poison = "{\"insertId\":\"p1\",\"logName\":\"x\"}";
		String id = emulator.publish(topic, Message.raw(poison));

		List<Pulled> dead = new ArrayList<>();
		PipelineApp.await(() -> dead.addAll(emulator.pullAndAck(deadSubscription, 10)) || !dead.isEmpty(),
				Duration.ofSeconds(60), () -> "nothing on the dead-letter topic");
		assertThat(dead).hasSize(1);
		Pulled letter = dead.get(0);
		assertThat(letter.text()).isEqualTo(poison);
		assertThat(letter.attributes()).containsEntry("reason", "no_request_url")
			.containsEntry("original_message_id", id)
			.containsEntry("subscription", PubSubEmulator.subscriptionPath("s-" + topic));
		assertThat(app.badRowsById()).doesNotContainKey(id);
	}

	@Test
	void aPushWhosePublishFailsIsNotAcked() {
		String missingTopic = "missing-" + UUID.randomUUID();
		Map<String, Object> properties = new java.util.LinkedHashMap<>(emulator.clientProperties());
		properties.put("pipeline.embedded.path", data.resolve("missing.duckdb").toString());
		properties.put("pipeline.dead-letter.topic", missingTopic);
		properties.put("pipeline.dead-letter.publish-timeout", "3s");
		try (PipelineApp other = PipelineApp.start(properties)) {
			String body = Pushes.wrapped("m-1", "not json".getBytes(StandardCharsets.UTF_8));
			assertThat(Pushes.status(other.port(), body)).as("publish to a missing topic").isEqualTo(503);
			emulator.createTopic(missingTopic);
			emulator.createPullSubscription("read-" + missingTopic, missingTopic, 10);
			assertThat(Pushes.status(other.port(), body)).as("publish once the topic exists").isEqualTo(204);
			List<Pulled> dead = emulator.pullAndAck("read-" + missingTopic, 10);
			assertThat(dead).extracting(Pulled::text).containsExactly("not json");
		}
	}

}
