package dev.pixelpipeline.store.embedded;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.pixelpipeline.parse.TrackingEvent;
import dev.pixelpipeline.parse.UserAgentFacts;
import dev.pixelpipeline.store.BadRow;
import dev.pixelpipeline.store.EventRow;
import dev.pixelpipeline.store.RowResult;
import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.store.StoreHealth;
import dev.pixelpipeline.store.TableNamer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedDatabaseTests {

	private static final RowSchema SCHEMA = RowSchema.of(List.of("user_id", "order_id", "type"));

	private static final TableNamer NAMER = new TableNamer("pixel", "_{user_id}_{date}", SCHEMA.attributes());

	@TempDir
	Path dir;

	private static EventRow row(String messageId, String userId, String eventTime) {
		Map<String, String> attributes = new LinkedHashMap<>();
		attributes.put("user_id", userId);
		attributes.put("type", "view");
		TrackingEvent event = new TrackingEvent(messageId, attributes, Instant.parse(eventTime), "agent", "192.0.2.0",
				null, 200);
		return EventRow.of(NAMER.name(event), messageId,
				SCHEMA.values(event, Instant.parse("2026-11-28T10:00:01.123456789Z")));
	}

	private static EmbeddedReads reads(EmbeddedDatabase database) {
		return new EmbeddedReads(database);
	}

	@Test
	void isUpWhileItAnswersAndDownOnceClosed() {
		EmbeddedDatabase database = new EmbeddedDatabase(":memory:", SCHEMA, "pixel");
		StoreHealth up = database.health();
		assertThat(up.up()).isTrue();
		assertThat(up.details()).containsEntry("path", "memory");
		database.close();
		StoreHealth down = database.health();
		assertThat(down.up()).isFalse();
		assertThat(down.message()).startsWith("Embedded DuckDB store at memory is not answering");
	}

	@Test
	void storesEachMessageOnceAcrossBatchesAndRestarts() throws SQLException {
		String path = this.dir.resolve("store/pixel.duckdb").toString();
		try (EmbeddedDatabase database = new EmbeddedDatabase(path, SCHEMA, "pixel")) {
			List<RowResult> first = database.insert(List.of(row("m1", "u1", "2026-11-28T10:00:00Z"),
					row("m2", "u2", "2026-11-28T10:00:00Z"), row("m1", "u1", "2026-11-28T10:00:00Z")));
			assertThat(first).containsExactly(RowResult.stored(), RowResult.stored(), RowResult.duplicate());
		}
		try (EmbeddedDatabase reopened = new EmbeddedDatabase(path, SCHEMA, "pixel")) {
			assertThat(reopened.insert(List.of(row("m2", "u2", "2026-11-28T10:00:00Z"))))
				.containsExactly(RowResult.duplicate());
			assertThat(reads(reopened).tables()).containsExactly(new EmbeddedReads.TableInfo("pixel_u1_20261128", 1),
					new EmbeddedReads.TableInfo("pixel_u2_20261128", 1));
			assertThat(reads(reopened).count("SELECT count(*) FROM \"pixel_*\"")).isEqualTo(2);
		}
	}

	@Test
	void readsEventsNewestFirstWithTheirTable() throws SQLException {
		try (EmbeddedDatabase database = new EmbeddedDatabase(":memory:", SCHEMA, "pixel")) {
			database.insert(List.of(row("m1", "u1", "2026-11-28T10:00:00Z")));
			database.insert(List.of(row("m2", "u1", "2026-11-28T11:00:00.5Z")));
			List<Map<String, Object>> events = reads(database).events(10, null);
			assertThat(events).extracting((e) -> e.get("message_id")).containsExactly("m2", "m1");
			Map<String, Object> newest = events.get(0);
			assertThat(newest).containsEntry("user_id", "u1")
				.containsEntry("order_id", null)
				.containsEntry("type", "view")
				.containsEntry("event_time", "2026-11-28T11:00:00.500000Z")
				.containsEntry("received_at", "2026-11-28T10:00:01.123456Z")
				.containsEntry("status", 200L)
				.containsEntry("_table", "pixel_u1_20261128");
			assertThat(reads(database).events(1, "pixel_u1_20261128")).hasSize(1);
			assertThat(reads(database).events(10, "pixel_nope")).isEmpty();
		}
	}

	@Test
	void keepsBadRowsOncePerMessage() throws SQLException {
		try (EmbeddedDatabase database = new EmbeddedDatabase(":memory:", SCHEMA, "pixel")) {
			BadRow bad = new BadRow("m9", "not_json", "payload is not valid JSON",
					Instant.parse("2026-11-28T10:00:00Z"), "garbage", "projects/p/subscriptions/s");
			database.insertBadRow(bad, null);
			database.insertBadRow(bad, null);
			assertThat(reads(database).badRows(10)).singleElement()
				.satisfies((row) -> assertThat(row).containsEntry("message_id", "m9")
					.containsEntry("reason", "not_json")
					.containsEntry("payload", "garbage")
					.containsEntry("received_at", "2026-11-28T10:00:00.000000Z"));
		}
	}

	@Test
	void migratesAFileWrittenBeforeEnrichmentOnStart() throws SQLException {
		String path = this.dir.resolve("old.duckdb").toString();
		// The schema of the previous release, written with plain SQL as it wrote it.
		try (Connection old = DriverManager.getConnection("jdbc:duckdb:" + path);
				Statement statement = old.createStatement()) {
			statement.execute("CREATE TABLE pixel_u1_20261128 (user_id VARCHAR, order_id VARCHAR, type VARCHAR,"
					+ " event_time TIMESTAMP NOT NULL, message_id VARCHAR NOT NULL, user_agent VARCHAR,"
					+ " remote_ip VARCHAR, referer VARCHAR, status BIGINT, received_at TIMESTAMP NOT NULL,"
					+ " PRIMARY KEY (message_id))");
			statement
				.execute("INSERT INTO pixel_u1_20261128 VALUES ('u1', NULL, 'view', TIMESTAMP '2026-11-28 09:00:00',"
						+ " 'old1', 'Mozilla/5.0', '192.0.2.0', NULL, 200, TIMESTAMP '2026-11-28 09:00:01')");
		}
		try (EmbeddedDatabase database = new EmbeddedDatabase(path, SCHEMA, "pixel")) {
			// Migrated on start, before any write: the old table has every column now.
			try (Connection connection = database.readConnection();
					Statement statement = connection.createStatement();
					ResultSet rs = statement
						.executeQuery("SELECT column_name, data_type FROM information_schema.columns"
								+ " WHERE table_name = 'pixel_u1_20261128' ORDER BY ordinal_position")) {
				List<String> columns = new ArrayList<>();
				while (rs.next()) {
					columns.add(rs.getString(1) + " " + rs.getString(2));
				}
				assertThat(columns).endsWith("received_at TIMESTAMP", "device_class VARCHAR", "agent_name VARCHAR",
						"agent_major VARCHAR", "os_name VARCHAR", "is_bot BOOLEAN", "referer_host VARCHAR");
			}
			assertThat(reads(database).events(10, null)).singleElement().satisfies((old) -> {
				assertThat(old).containsEntry("message_id", "old1").containsEntry("user_agent", "Mozilla/5.0");
				assertThat(old).containsEntry("is_bot", null).containsEntry("device_class", null);
			});
			Map<String, String> attributes = new LinkedHashMap<>();
			attributes.put("user_id", "u1");
			TrackingEvent event = new TrackingEvent("new1", attributes, Instant.parse("2026-11-28T10:00:00Z"), "curl/8",
					null, "https://shop.example.com/a", 200, new UserAgentFacts("Robot", "curl", "8", "Other", true),
					"shop.example.com");
			assertThat(database.insert(List.of(EventRow.of(NAMER.name(event), "new1",
					SCHEMA.values(event, Instant.parse("2026-11-28T10:00:00Z"))))))
				.containsExactly(RowResult.stored());
			assertThat(reads(database).events(10, "pixel_u1_20261128"))
				.filteredOn((e) -> "new1".equals(e.get("message_id")))
				.singleElement()
				.satisfies((row) -> assertThat(row).containsEntry("is_bot", true)
					.containsEntry("agent_name", "curl")
					.containsEntry("referer_host", "shop.example.com"));
		}
		// A second start finds nothing to add and changes nothing.
		try (EmbeddedDatabase database = new EmbeddedDatabase(path, SCHEMA, "pixel")) {
			assertThat(reads(database).events(10, null)).hasSize(2);
		}
	}

	@Test
	void addsColumnsWhenTheWhitelistGrows() throws SQLException {
		String path = this.dir.resolve("grow.duckdb").toString();
		try (EmbeddedDatabase database = new EmbeddedDatabase(path, SCHEMA, "pixel")) {
			database.insert(List.of(row("m1", "u1", "2026-11-28T10:00:00Z")));
		}
		RowSchema grown = RowSchema.of(List.of("user_id", "order_id", "type", "campaign"));
		try (EmbeddedDatabase database = new EmbeddedDatabase(path, grown, "pixel")) {
			Map<String, String> attributes = new LinkedHashMap<>();
			attributes.put("user_id", "u1");
			attributes.put("campaign", "spring");
			TrackingEvent event = new TrackingEvent("m2", attributes, Instant.parse("2026-11-28T10:00:00Z"), null, null,
					null, 200);
			List<RowResult> results = database.insert(List
				.of(EventRow.of(NAMER.name(event), "m2", grown.values(event, Instant.parse("2026-11-28T10:00:00Z")))));
			assertThat(results).containsExactly(RowResult.stored());
			assertThat(reads(database).events(10, null)).extracting((e) -> e.get("campaign"))
				.containsExactly(null, "spring");
		}
	}

	@Test
	void writesLargeBatchesInOneTransaction() throws SQLException {
		try (EmbeddedDatabase database = new EmbeddedDatabase(":memory:", SCHEMA, "pixel")) {
			List<EventRow> rows = new ArrayList<>();
			for (int i = 0; i < 1000; i++) {
				rows.add(row("m" + i, "u" + (i % 7), "2026-11-28T10:00:00Z"));
			}
			assertThat(database.insert(rows)).allMatch(RowResult::isStored).hasSize(1000);
			assertThat(reads(database).count("SELECT count(*) FROM \"pixel_*\"")).isEqualTo(1000);
			assertThat(reads(database).tables()).hasSize(7);
		}
	}

	@Test
	void aStoredIdInABatchOfSeveralTablesKeepsEveryOtherRowExactlyOnce() throws SQLException {
		try (EmbeddedDatabase database = new EmbeddedDatabase(":memory:", SCHEMA, "pixel")) {
			database.insert(List.of(row("old", "u2", "2026-11-28T10:00:00Z")));
			// u1's group is appended first; u2's append is refused by the primary key, so
			// the whole batch must be rolled back and written again without losing or
			// doubling u1's row.
			List<RowResult> results = database
				.insert(List.of(row("a", "u1", "2026-11-28T10:00:00Z"), row("b", "u2", "2026-11-28T10:00:00Z"),
						row("old", "u2", "2026-11-28T10:00:00Z"), row("b", "u2", "2026-11-28T10:00:00Z")));
			assertThat(results).containsExactly(RowResult.stored(), RowResult.stored(), RowResult.duplicate(),
					RowResult.duplicate());
			assertThat(reads(database).tables()).containsExactly(new EmbeddedReads.TableInfo("pixel_u1_20261128", 1),
					new EmbeddedReads.TableInfo("pixel_u2_20261128", 2));
			assertThat(database.insert(List.of(row("c", "u1", "2026-11-28T10:00:00Z"))))
				.containsExactly(RowResult.stored());
			assertThat(reads(database).count("SELECT count(*) FROM \"pixel_*\"")).isEqualTo(4);
		}
	}

	@Test
	void fillsColumnsByNameWhenATableHasThemInAnotherOrder() throws SQLException {
		String path = this.dir.resolve("order.duckdb").toString();
		try (EmbeddedDatabase database = new EmbeddedDatabase(path, SCHEMA, "pixel")) {
			database.insert(List.of(row("m1", "u1", "2026-11-28T10:00:00Z")));
		}
		// The same attributes whitelisted in another order: the table keeps its order,
		// so rows must not be filled in by position.
		RowSchema reordered = RowSchema.of(List.of("user_id", "type", "order_id"));
		try (EmbeddedDatabase database = new EmbeddedDatabase(path, reordered, "pixel")) {
			Map<String, String> attributes = new LinkedHashMap<>();
			attributes.put("user_id", "u1");
			attributes.put("order_id", "o-7");
			attributes.put("type", "click");
			TrackingEvent event = new TrackingEvent("m2", attributes, Instant.parse("2026-11-28T10:00:00Z"), null, null,
					null, 200);
			assertThat(database.insert(List.of(EventRow.of(NAMER.name(event), "m2",
					reordered.values(event, Instant.parse("2026-11-28T10:00:00Z"))))))
				.containsExactly(RowResult.stored());
			assertThat(reads(database).events(10, null)).filteredOn((e) -> "m2".equals(e.get("message_id")))
				.singleElement()
				.satisfies((e) -> assertThat(e).containsEntry("user_id", "u1")
					.containsEntry("order_id", "o-7")
					.containsEntry("type", "click"));
		}
	}

}
