package dev.pixelpipeline.ingest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import dev.pixelpipeline.support.FaultInjection;
import dev.pixelpipeline.support.Fixtures;
import dev.pixelpipeline.support.FaultInjection.Fault;
import dev.pixelpipeline.support.PipelineApp;
import dev.pixelpipeline.support.PubSubEmulator;
import dev.pixelpipeline.support.PubSubEmulator.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real application on a loopback port behind push subscriptions of Google's Pub/Sub
 * emulator: log entries published as a Cloud Logging sink publishes them become exactly
 * the expected rows, wrapped and unwrapped; poison becomes bad rows; a push answered
 * non-2xx is redelivered and stored once.
 */
class PubSubPushIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@TempDir
	static Path data;

	static PubSubEmulator emulator;

	static PipelineApp app;

	static FaultInjection.Faults faults;

	@BeforeAll
	static void start() {
		emulator = PubSubEmulator.shared();
		app = PipelineApp.start(Map.of("pipeline.embedded.path", data.resolve("push.duckdb").toString()),
				FaultInjection.class);
		faults = app.context().getBean(FaultInjection.Faults.class);
	}

	@AfterAll
	static void stop() {
		if (app != null) {
			app.close();
		}
	}

	@BeforeEach
	void noFaults() {
		faults.policy((rows) -> Fault.NONE);
	}

	private String pushTopic(boolean unwrapped) {
		String name = "t-" + UUID.randomUUID();
		emulator.createTopic(name);
		if (unwrapped) {
			emulator.createUnwrappedPushSubscription("s-" + name, name, app.pushEndpoint(), 10);
		}
		else {
			emulator.createWrappedPushSubscription("s-" + name, name, app.pushEndpoint(), 10);
		}
		return name;
	}

	@Test
	void wrappedFixturesBecomeExactlyTheExpectedRows() {
		assertFixturesStored(false);
	}

	@Test
	void unwrappedFixturesBecomeExactlyTheExpectedRows() {
		assertFixturesStored(true);
	}

	private void assertFixturesStored(boolean unwrapped) {
		String topic = pushTopic(unwrapped);
		// Rows are keyed by the LogEntry's insertId: each test publishes its own entries.
		Map<String, String> idByFixture = new LinkedHashMap<>();
		List<String> messageIds = new ArrayList<>();
		for (String fixture : List.of("cdn-cache-hit", "backend-response", "regional-lb-cloud-armor", "revalidated-304",
				"not-the-pixel")) {
			String insertId = fixture + "-" + topic;
			String json = Fixtures.withInsertId(PipelineApp.resource("fixtures/" + fixture + ".json"), insertId);
			Message message = unwrapped ? Message.logEntryForUnwrappedPush(json) : Message.logEntry(json);
			messageIds.add(emulator.publish(topic, message));
			idByFixture.put(fixture, insertId);
		}
		List<String> hits = idByFixture.entrySet()
			.stream()
			.filter((e) -> !e.getKey().equals("not-the-pixel"))
			.map(Map.Entry::getValue)
			.toList();
		Map<String, Map<String, Object>> events = app.awaitEvents(hits, WAIT);

		Map<String, Object> cdn = events.get(idByFixture.get("cdn-cache-hit"));
		assertThat(cdn).containsEntry("_table", "pixel_5f2b8c1e9a7d3e4f6a1b2c3d_20261004")
			.containsEntry("user_id", "5f2b8c1e9a7d3e4f6a1b2c3d")
			.containsEntry("order_id", "A-10023")
			.containsEntry("type", "purchase")
			.containsEntry("event_time", "2026-10-04T09:15:22.431998Z")
			.containsEntry("remote_ip", "203.0.113.0")
			.containsEntry("referer", "https://www.example.com/checkout/thanks")
			.containsEntry("status", 200L);
		assertThat(events.get(idByFixture.get("backend-response"))).containsEntry("_table", "pixel_guest_77_20261004")
			.containsEntry("user_id", "guest-77")
			.containsEntry("type", "click")
			.containsEntry("order_id", null);
		assertThat(events.get(idByFixture.get("regional-lb-cloud-armor")))
			.containsEntry("_table", "pixel_eu_301_20261005")
			.containsEntry("type", "view");
		assertThat(events.get(idByFixture.get("revalidated-304")))
			.containsEntry("_table", "pixel_5f2b8c1e9a7d3e4f6a1b2c3d_20261004")
			.containsEntry("status", 304L);
		// The ignored entry is acked but stored nowhere; give it the time the hits took.
		PipelineApp.await(() -> faults.answers().containsKey(204) && faults.answers().get(204).get() >= 5, WAIT,
				() -> "pushes answered: " + faults.answers());
		assertThat(app.eventsById()).doesNotContainKey(idByFixture.get("not-the-pixel"));
		assertThat(app.badRowsById()).doesNotContainKeys(messageIds.toArray(String[]::new));
	}

	@Test
	void poisonBecomesBadRowsWithTheOriginalPayload() {
		String topic = pushTopic(false);
		String notJson = emulator.publish(topic, Message.raw("this is not a log entry"));
		String noUrl = emulator.publish(topic, Message.raw("{\"insertId\":\"x1\",\"httpRequest\":{\"status\":200}}"));
		Map<String, Map<String, Object>> bad = app.awaitBadRows(List.of(notJson, noUrl), WAIT);

		assertThat(bad.get(notJson)).containsEntry("payload", "this is not a log entry")
			.containsEntry("subscription", PubSubEmulator.subscriptionPath("s-" + topic));
		assertThat((String) bad.get(notJson).get("reason")).isNotBlank();
		assertThat(bad.get(noUrl).get("reason")).isNotNull().isNotEqualTo(bad.get(notJson).get("reason"));
		assertThat(app.eventsById()).doesNotContainKeys(notJson, noUrl);
	}

	@Test
	void aPushAnsweredNon2xxIsRedeliveredAndStoredOnce() {
		String json = PipelineApp.resource("fixtures/backend-response.json");
		Set<String> failedBefore = java.util.concurrent.ConcurrentHashMap.newKeySet();
		Set<String> failedAfter = java.util.concurrent.ConcurrentHashMap.newKeySet();
		String topic = pushTopic(false);
		List<String> ids = new ArrayList<>();
		java.util.concurrent.atomic.AtomicInteger decisions = new java.util.concurrent.atomic.AtomicInteger();
		// The first write of every row fails: half before the commit, half after it (the
		// answer was lost).
		faults.policy((rows) -> {
			String id = rows.stream()
				.map((row) -> row.messageId())
				.filter((rowId) -> faults.attempts(rowId) == 1)
				.findFirst()
				.orElse(null);
			if (id == null) {
				return Fault.NONE;
			}
			if (decisions.getAndIncrement() % 2 == 0) {
				failedBefore.add(id);
				return Fault.FAIL_BEFORE_WRITE;
			}
			failedAfter.add(id);
			return Fault.FAIL_AFTER_WRITE;
		});
		for (int i = 0; i < 6; i++) {
			String insertId = "redelivered-" + i + "-" + topic;
			emulator.publish(topic, Message.logEntry(Fixtures.withInsertId(json, insertId)));
			ids.add(insertId);
		}
		Map<String, Map<String, Object>> events = app.awaitEvents(ids, WAIT);
		// A row written before its answer was lost is stored at once; its redelivery
		// follows about a second later.
		PipelineApp.await(() -> ids.stream().allMatch((id) -> faults.attempts(id) >= 2), WAIT,
				() -> "redeliveries missing: " + ids.stream().filter((id) -> faults.attempts(id) < 2).toList());

		assertThat(events.keySet()).containsAll(ids);
		assertThat(faults.answers()).containsKey(503);
		for (String id : ids) {
			assertThat(faults.attempts(id)).as("write attempts of %s", id).isGreaterThanOrEqualTo(2);
		}
		assertThat(failedBefore).isNotEmpty();
		assertThat(failedAfter).isNotEmpty();
		assertThat(faults.ackedUncommitted()).isEmpty();
	}

}
