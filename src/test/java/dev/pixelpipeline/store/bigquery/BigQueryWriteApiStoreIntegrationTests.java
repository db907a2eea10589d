package dev.pixelpipeline.store.bigquery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.TableId;
import dev.pixelpipeline.store.EventRow;
import dev.pixelpipeline.store.RowResult;
import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.store.StoreHealth;
import dev.pixelpipeline.store.TableName;
import dev.pixelpipeline.support.BigQueryServer;
import dev.pixelpipeline.support.BigQueryWriteServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link BigQueryWriteApiStore}: its health checks (and creates) the partitioned table
 * through the REST stand-in, and its writes reach the Storage Write API stand-in.
 */
class BigQueryWriteApiStoreIntegrationTests {

	private static final RowSchema SCHEMA = RowSchema.of(List.of("user_id", "order_id", "type"));

	private BigQueryServer rest;

	private BigQueryWriteServer grpc;

	private BigQuery client;

	@BeforeEach
	void start() {
		this.rest = BigQueryServer.start();
		this.grpc = BigQueryWriteServer.start(SCHEMA);
		this.client = BigQueryClients.create(BigQueryServer.PROJECT, this.rest.host(), Duration.ofSeconds(1),
				Duration.ofSeconds(5), 4);
	}

	@AfterEach
	void stop() {
		this.grpc.close();
		this.rest.close();
	}

	private BigQueryWriteApiStore store(String table, boolean createTable) {
		return new BigQueryWriteApiStore(this.client, BigQueryWriteApiStore.writeClient(this.grpc.hostPort()),
				TableId.of(BigQueryServer.PROJECT, BigQueryServer.DATASET, table), SCHEMA,
				new BigQueryWriteApiStore.Settings(createTable, List.of("user_id", "type"), Duration.ofMillis(20),
						Duration.ofMillis(200), Duration.ofMillis(300)),
				Clock.systemUTC(), (code) -> {
				});
	}

	@Test
	void healthCreatesTheTablePartitionedAndClusteredThenWritesReachTheStream() {
		try (BigQueryWriteApiStore store = store("pixel_events", true)) {
			StoreHealth health = store.health();

			assertThat(health.up()).as(health.message()).isTrue();
			assertThat(health.details()).containsEntry("layout", "partitioned")
				.containsEntry("table", "test-project:pixel_tracking.pixel_events");
			assertThat(this.rest.createdTables()).containsExactly("pixel_events");
			Map<String, Object> table = this.rest.table("pixel_events");
			assertThat(table.get("timePartitioning")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
				.containsEntry("type", "DAY")
				.containsEntry("field", "event_time");
			assertThat(table.get("clustering")).isEqualTo(Map.of("fields", List.of("user_id", "type")));
			assertThat(store.name()).isEqualTo("bigquery-write-api");

			Map<String, Object> values = new LinkedHashMap<>();
			values.put("user_id", "u1");
			values.put("event_time", Instant.parse("2026-12-01T10:00:00Z"));
			values.put("message_id", "m1");
			values.put("received_at", Instant.parse("2026-12-01T10:00:01Z"));
			List<RowResult> results = store.write(List.of(EventRow.of(new TableName("pixel_events", ""), "m1", values)),
					Instant.now().plusSeconds(5));
			assertThat(results).allMatch(RowResult::isStored);
			assertThat(this.grpc.appends().get(0).stream())
				.isEqualTo("projects/test-project/datasets/pixel_tracking/tables/pixel_events/streams/_default");
		}
	}

	@Test
	void aMissingTableIsDownNamingItWithoutCreateTable() {
		try (BigQueryWriteApiStore store = store("pixel_events", false)) {
			StoreHealth health = store.health();

			assertThat(health.up()).isFalse();
			assertThat(health.message()).contains("test-project:pixel_tracking.pixel_events does not exist")
				.contains("partitioned by day on event_time and clustered by user_id,type");
			assertThat(this.rest.createdTables()).isEmpty();
		}
	}

	@Test
	void aTableNotPartitionedOnEventTimeIsDown() {
		// The stand-in's template table exists with every column but no partitioning.
		try (BigQueryWriteApiStore store = store(BigQueryServer.TEMPLATE, true)) {
			StoreHealth health = store.health();

			assertThat(health.up()).isFalse();
			assertThat(health.message()).contains("is not partitioned on event_time");
		}
	}

	@Test
	void appendsThatFindNoTableTurnHealthDown() {
		try (BigQueryWriteApiStore store = store("pixel_events", true)) {
			assertThat(store.health().up()).isTrue();
			this.grpc.dropTable("pixel_events");
			Map<String, Object> values = new LinkedHashMap<>();
			values.put("event_time", Instant.parse("2026-12-01T10:00:00Z"));
			values.put("message_id", "m2");
			values.put("received_at", Instant.parse("2026-12-01T10:00:01Z"));

			List<RowResult> results = store.write(List.of(EventRow.of(new TableName("pixel_events", ""), "m2", values)),
					Instant.now().plusSeconds(5));

			assertThat(results).allMatch((r) -> r.status() == RowResult.Status.RETRY);
			StoreHealth health = store.health();
			assertThat(health.up()).isFalse();
			assertThat(health.message()).contains("was not found by the Storage Write API");
			assertThat(health.details()).containsKey("lastAppendError");
		}
	}

}
