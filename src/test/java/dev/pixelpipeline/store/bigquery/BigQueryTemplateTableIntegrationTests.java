package dev.pixelpipeline.store.bigquery;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.TableId;
import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.store.StoreHealth;
import dev.pixelpipeline.support.BigQueryServer;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checking and creating the template table with the real client against
 * {@link BigQueryServer}.
 */
class BigQueryTemplateTableIntegrationTests {

	private static final RowSchema SCHEMA = RowSchema.of(List.of("user_id", "order_id", "type"));

	private static final TableId TEMPLATE = TableId.of(BigQueryServer.PROJECT, BigQueryServer.DATASET, "pixel");

	private static BigQueryServer server;

	private static BigQuery client;

	@BeforeAll
	static void startServer() {
		server = BigQueryServer.start();
		client = BigQueryClients.create(BigQueryServer.PROJECT, server.host(), Duration.ofSeconds(2),
				Duration.ofSeconds(10), 2);
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@BeforeEach
	void reset() {
		server.reset();
	}

	@Test
	void presentTemplateIsReady() {
		assertThat(new BigQueryTemplateTable(client, TEMPLATE, SCHEMA, false).check().ready()).isTrue();
	}

	@Test
	void missingTemplateIsNamed() {
		server.dropTable("pixel");

		BigQueryTemplateTable.Check check = new BigQueryTemplateTable(client, TEMPLATE, SCHEMA, false).check();

		assertThat(check.ready()).isFalse();
		assertThat(check.message()).contains("test-project:pixel_tracking.pixel").contains("create-template");
	}

	@Test
	void missingDatasetIsNamed() {
		server.dropDataset();

		BigQueryTemplateTable.Check check = new BigQueryTemplateTable(client, TEMPLATE, SCHEMA, false).check();

		assertThat(check.ready()).isFalse();
		assertThat(check.message()).contains("dataset test-project:pixel_tracking");
	}

	@Test
	void templateWithoutANewAttributeColumnIsNotReady() {
		RowSchema grown = RowSchema.of(List.of("user_id", "order_id", "type", "campaign"));

		BigQueryTemplateTable.Check check = new BigQueryTemplateTable(client, TEMPLATE, grown, false).check();

		assertThat(check.ready()).isFalse();
		assertThat(check.message()).contains("[campaign]");
	}

	@Test
	void aTemplateMadeBeforeEnrichmentIsNotReadyAndTheEnrichmentColumnsAreNamed() {
		server.templateWithout("device_class", "agent_name", "agent_major", "os_name", "is_bot", "referer_host");

		try (BigQueryStore store = store(true)) {
			StoreHealth health = store.health();
			assertThat(health.up()).isFalse();
			assertThat(health.message())
				.contains("lacks the columns [device_class, agent_name, agent_major, os_name, is_bot, referer_host]")
				.contains("deploy/setup.sh");
			// create-template creates a missing template, it does not alter one.
			assertThat(server.createdTables()).isEmpty();
		}
	}

	@Test
	@SuppressWarnings("unchecked")
	void createsAMissingTemplateWithTheRowSchema() {
		server.dropTable("pixel");
		BigQueryTemplateTable template = new BigQueryTemplateTable(client, TEMPLATE, SCHEMA, false);

		assertThat(template.createIfMissing()).isTrue();

		assertThat(server.createdTables()).containsExactly("pixel");
		Map<String, Object> schema = (Map<String, Object>) server.table("pixel").get("schema");
		assertThat((List<Map<String, Object>>) schema.get("fields")).extracting((f) -> f.get("name"))
			.containsExactly("user_id", "order_id", "type", "event_time", "message_id", "user_agent", "remote_ip",
					"referer", "status", "received_at", "device_class", "agent_name", "agent_major", "os_name",
					"is_bot", "referer_host");
		assertThat(server.table("pixel")).doesNotContainKey("timePartitioning");
		assertThat(template.check().ready()).isTrue();
		assertThat(template.createIfMissing()).isFalse();
	}

	@Test
	void aSingleTableIsCreatedPartitionedByDayAndClusteredByTheFirstAttribute() {
		server.dropTable("pixel");

		new BigQueryTemplateTable(client, TEMPLATE, SCHEMA, true).createIfMissing();

		assertThat(server.table("pixel")).containsEntry("clustering", Map.of("fields", List.of("user_id")))
			.extractingByKey("timePartitioning")
			.asInstanceOf(InstanceOfAssertFactories.MAP)
			.containsEntry("type", "DAY")
			.containsEntry("field", "event_time");
	}

	@Test
	void theStoreIsDownNamingAMissingTemplateAndUpOnceItCreatedIt() {
		server.dropTable("pixel");
		try (BigQueryStore without = store(false); BigQueryStore with = store(true)) {
			StoreHealth down = without.health();
			assertThat(down.up()).isFalse();
			assertThat(down.message()).contains("test-project:pixel_tracking.pixel does not exist");
			assertThat(down.details()).containsEntry("table", "test-project:pixel_tracking.pixel");
			assertThat(server.createdTables()).isEmpty();

			assertThat(with.health().up()).isTrue();
			assertThat(server.createdTables()).containsExactly("pixel");
		}
	}

	private static BigQueryStore store(boolean createTemplate) {
		return new BigQueryStore(client, TEMPLATE, SCHEMA, new BigQueryStore.Settings(false, createTemplate,
				Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofMillis(200), 2), Clock.systemUTC());
	}

}
