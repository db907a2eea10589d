package dev.pixelpipeline.store.bigquery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardSQLTypeName;
import dev.pixelpipeline.store.RowSchema;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checked-in template schema is the one {@link RowSchema} gives: one source of truth
 * for the columns.
 */
class BigQueryTemplateSchemaTests {

	private static final RowSchema DEFAULT = RowSchema.of(List.of("user_id", "order_id", "type"));

	@Test
	void checkedInSchemaFileMatchesTheRowSchema() throws IOException {
		String generated = BigQueryTemplateTable.schemaJson(DEFAULT);
		String checkedIn;
		try (InputStream in = getClass().getClassLoader().getResourceAsStream(BigQueryTemplateTable.SCHEMA_RESOURCE)) {
			assertThat(in).as(BigQueryTemplateTable.SCHEMA_RESOURCE + " on the classpath").isNotNull();
			checkedIn = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		JsonMapper json = JsonMapper.builder().build();
		assertThat(json.readTree(checkedIn))
			.as("src/main/resources/%s is out of date; replace it with:%n%s", BigQueryTemplateTable.SCHEMA_RESOURCE,
					generated)
			.isEqualTo(json.readTree(generated));
	}

	@Test
	void bigQuerySchemaHasEveryColumnWithItsTypeAndMode() {
		Schema schema = BigQueryTemplateTable.bigQuerySchema(DEFAULT);

		assertThat(schema.getFields()).extracting(Field::getName)
			.containsExactly("user_id", "order_id", "type", "event_time", "message_id", "user_agent", "remote_ip",
					"referer", "status", "received_at", "device_class", "agent_name", "agent_major", "os_name",
					"is_bot", "referer_host");
		assertThat(schema.getFields().get("is_bot").getType().getStandardType()).isEqualTo(StandardSQLTypeName.BOOL);
		assertThat(schema.getFields().get("is_bot").getMode()).isEqualTo(Field.Mode.NULLABLE);
		assertThat(schema.getFields().get("event_time").getType().getStandardType())
			.isEqualTo(StandardSQLTypeName.TIMESTAMP);
		assertThat(schema.getFields().get("event_time").getMode()).isEqualTo(Field.Mode.REQUIRED);
		assertThat(schema.getFields().get("status").getType().getStandardType()).isEqualTo(StandardSQLTypeName.INT64);
		assertThat(schema.getFields().get("user_id").getMode()).isEqualTo(Field.Mode.NULLABLE);
	}

}
