package dev.pixelpipeline.store.bigquery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.cloud.bigquery.BigQuery;
import dev.pixelpipeline.store.EventRow;
import dev.pixelpipeline.store.RowResult;
import dev.pixelpipeline.store.TableName;
import dev.pixelpipeline.support.BigQueryServer;
import dev.pixelpipeline.support.BigQueryServer.Answer;
import dev.pixelpipeline.support.BigQueryServer.InsertAll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link BigQueryBatchWriter} with the real BigQuery client against
 * {@link BigQueryServer}: the request it sends and how it classifies every kind of
 * failure.
 */
class BigQueryBatchWriterIntegrationTests {

	private static final Instant EVENT_TIME = Instant.parse("2026-11-28T10:15:30.123456789Z");

	private static final Instant RECEIVED_AT = Instant.parse("2026-11-28T10:15:31Z");

	private static BigQueryServer server;

	private static BigQuery client;

	private BigQueryBatchWriter writer;

	@BeforeAll
	static void startServer() {
		server = BigQueryServer.start();
		client = BigQueryClients.create(BigQueryServer.PROJECT, server.host(), Duration.ofSeconds(1),
				Duration.ofSeconds(10), 8);
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@BeforeEach
	void setUp() {
		server.reset();
		this.writer = writer(client);
	}

	private static BigQueryBatchWriter writer(BigQuery client) {
		return new BigQueryBatchWriter(client, BigQueryServer.PROJECT, BigQueryServer.DATASET,
				new BigQueryBatchWriter.Retry(Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofMillis(200)), 4,
				Clock.systemUTC());
	}

	@AfterEach
	void tearDown() {
		this.writer.close();
	}

	private static EventRow row(String messageId, String userId, String suffix) {
		Map<String, Object> values = new LinkedHashMap<>();
		values.put("user_id", userId);
		values.put("order_id", null);
		values.put("type", "view");
		values.put("event_time", EVENT_TIME);
		values.put("message_id", messageId);
		values.put("user_agent", "Mozilla/5.0");
		values.put("remote_ip", "203.0.113.0");
		values.put("referer", null);
		values.put("status", 200);
		values.put("received_at", RECEIVED_AT);
		return EventRow.of(new TableName("pixel", suffix), messageId, values);
	}

	private static Instant inSeconds(int seconds) {
		return Instant.now().plusSeconds(seconds);
	}

	private static List<RowResult.Status> statuses(List<RowResult> results) {
		return results.stream().map(RowResult::status).toList();
	}

	@Test
	void sendsTheTemplateWithTheSuffixTheMessageIdAsInsertIdAndColumnNamedJson() {
		List<RowResult> results = this.writer.write(List.of(row("m1", "u1", "_u1_20261128")), inSeconds(5));

		assertThat(statuses(results)).containsExactly(RowResult.Status.STORED);
		assertThat(server.insertAlls()).hasSize(1);
		InsertAll request = server.insertAlls().get(0);
		assertThat(request.table()).isEqualTo("pixel");
		assertThat(request.templateSuffix()).isEqualTo("_u1_20261128");
		assertThat(request.rows()).hasSize(1);
		assertThat(request.rows().get(0).insertId()).isEqualTo("m1");
		assertThat(request.rows().get(0).json()).isEqualTo(Map.of("user_id", "u1", "type", "view", "event_time",
				"2026-11-28T10:15:30.123456Z", "message_id", "m1", "user_agent", "Mozilla/5.0", "remote_ip",
				"203.0.113.0", "status", 200, "received_at", "2026-11-28T10:15:31.000000Z"));
	}

	@Test
	void sendsOneRequestPerTableOfTheBatch() {
		List<RowResult> results = this.writer.write(List.of(row("m1", "u1", "_u1_20261128"),
				row("m2", "u2", "_u2_20261128"), row("m3", "u1", "_u1_20261128")), inSeconds(5));

		assertThat(statuses(results)).containsOnly(RowResult.Status.STORED);
		assertThat(server.insertAlls()).hasSize(2);
		assertThat(server.committedTables())
			.isEqualTo(Map.of("m1", "pixel_u1_20261128", "m2", "pixel_u2_20261128", "m3", "pixel_u1_20261128"));
	}

	@Test
	void insertsIntoTheTableItselfWhenTheSuffixIsEmpty() {
		this.writer.write(List.of(row("m1", "u1", "")), inSeconds(5));

		assertThat(server.insertAlls()).singleElement().satisfies((request) -> {
			assertThat(request.table()).isEqualTo("pixel");
			assertThat(request.templateSuffix()).isNull();
		});
	}

	@Test
	void resendsStoppedRowsOnTheirOwnAndRejectsInvalidRows() {
		server.rejectRows((row) -> "bad".equals(row.json().get("user_id")));

		List<RowResult> results = this.writer
			.write(List.of(row("m1", "u1", "_x"), row("m2", "bad", "_x"), row("m3", "u3", "_x")), inSeconds(5));

		assertThat(statuses(results)).containsExactly(RowResult.Status.STORED, RowResult.Status.REJECTED,
				RowResult.Status.STORED);
		assertThat(results.get(1).reason()).isEqualTo("invalid");
		assertThat(results.get(1).detail()).contains("user_id");
		assertThat(server.insertAlls()).extracting((r) -> r.rows().size()).containsExactly(3, 2);
		assertThat(server.commitsByInsertId()).isEqualTo(Map.of("m1", 1, "m3", 1));
	}

	@Test
	void retriesBackendErrorAndRateLimitThenStores() {
		server.answerNext(Answer.backendError(), Answer.rateLimited(), Answer.error(403, "rateLimitExceeded"));

		List<RowResult> results = this.writer.write(List.of(row("m1", "u1", "_x")), inSeconds(5));

		assertThat(statuses(results)).containsExactly(RowResult.Status.STORED);
		assertThat(server.insertAllCount()).isEqualTo(4);
		assertThat(server.commitsByInsertId()).isEqualTo(Map.of("m1", 1));
	}

	@Test
	void retriesADroppedConnection() {
		server.answerNext(Answer.droppedConnection());

		List<RowResult> results = this.writer.write(List.of(row("m1", "u1", "_x")), inSeconds(5));

		assertThat(statuses(results)).containsExactly(RowResult.Status.STORED);
		assertThat(server.insertAllCount()).isEqualTo(2);
	}

	@Test
	void retriesAnAnswerSlowerThanTheReadTimeout() {
		server.answerNext(Answer.ok().after(Duration.ofSeconds(4)));
		BigQuery impatient = BigQueryClients.create(BigQueryServer.PROJECT, server.host(), Duration.ofSeconds(1),
				Duration.ofMillis(1500), 2);

		List<RowResult> results;
		try (BigQueryBatchWriter writer = writer(impatient)) {
			results = writer.write(List.of(row("m1", "u1", "_x")), inSeconds(15));
		}

		assertThat(statuses(results)).containsExactly(RowResult.Status.STORED);
		assertThat(server.insertIdsReceived()).isEqualTo(Map.of("m1", 2));
	}

	@Test
	void givesUpBeforeTheDeadlineWhenFailuresPersist() {
		server.answerAlways(Answer.backendError());
		Instant deadline = inSeconds(2);

		List<RowResult> results = this.writer.write(List.of(row("m1", "u1", "_x"), row("m2", "u2", "_y")), deadline);

		assertThat(results).allSatisfy((result) -> {
			assertThat(result.status()).isEqualTo(RowResult.Status.RETRY);
			assertThat(result.reason()).isEqualTo("backendError");
		});
		assertThat(server.insertAllCount()).isGreaterThan(2);
		assertThat(server.insertAlls()).allSatisfy((request) -> assertThat(request.receivedAt()).isBefore(deadline));
		assertThat(server.committedInsertIds()).isEmpty();
	}

	@Test
	void missingTableIsRetriedByPubSubNotHereAndReportedAsAProblem() {
		server.dropTable("pixel");

		List<RowResult> results = this.writer.write(List.of(row("m1", "u1", "_x")), inSeconds(5));

		assertThat(statuses(results)).containsExactly(RowResult.Status.RETRY);
		assertThat(results.get(0).reason()).isEqualTo("notFound");
		assertThat(server.insertAllCount()).isEqualTo(1);
		assertThat(this.writer.problem()).isNotNull();
		assertThat(this.writer.problem().message()).contains("test-project:pixel_tracking.pixel")
			.contains("pipeline.bigquery.create-template=true");

		server.reset();
		assertThat(statuses(this.writer.write(List.of(row("m1", "u1", "_x")), inSeconds(5))))
			.containsExactly(RowResult.Status.STORED);
		assertThat(this.writer.problem()).isNull();
	}

	@Test
	void deniedPermissionIsRetryAndNamesTheRoleToGrant() {
		server.answerAlways(Answer.accessDenied());

		List<RowResult> results = this.writer.write(List.of(row("m1", "u1", "_x")), inSeconds(5));

		assertThat(statuses(results)).containsExactly(RowResult.Status.RETRY);
		assertThat(server.insertAllCount()).isEqualTo(1);
		assertThat(this.writer.problem().message()).contains("roles/bigquery.dataEditor");
	}

	@Test
	void aRequestRefusedAsAWholeIsHalvedToFindTheInvalidRow() {
		server.answerNext(Answer.error(400, "invalid"), Answer.ok(), Answer.error(400, "invalid"));

		List<RowResult> results = this.writer.write(List.of(row("m1", "u1", "_x"), row("m2", "u2", "_x")),
				inSeconds(5));

		assertThat(statuses(results)).containsExactly(RowResult.Status.STORED, RowResult.Status.REJECTED);
		assertThat(server.insertAlls()).extracting((r) -> r.rows().size()).containsExactly(2, 1, 1);
	}

}
