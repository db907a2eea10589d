package dev.pixelpipeline.store.bigquery;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.google.cloud.bigquery.storage.v1.BQTableSchemaToProtoDescriptor;
import com.google.cloud.bigquery.storage.v1.JsonToProtoMessage;
import com.google.cloud.bigquery.storage.v1.ProtoRows;
import com.google.cloud.bigquery.storage.v1.TableFieldSchema;
import com.google.cloud.bigquery.storage.v1.TableSchema;
import com.google.protobuf.Descriptors;
import dev.pixelpipeline.store.Column;
import dev.pixelpipeline.store.EventRow;
import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.store.TableName;
import dev.pixelpipeline.support.BigQueryWriteServer;
import org.json.JSONObject;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The client-side CPU of one 500-row append, the part where {@code JsonStreamWriter} and {@code StreamWriter} with
 * proto rows differ (both then send the same proto bytes): {@link AppendRowEncoder} writing each row's fields with
 * {@code CodedOutputStream}, against what {@code JsonStreamWriter.append} does per row, an {@code org.json} object
 * converted by {@link JsonToProtoMessage} against the table schema's descriptor. Run:
 * {@code ./mvnw -Pbench test-compile exec:exec -Djmh.args="AppendEncodingBenchmark -prof gc"}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = { "-Xms256m", "-Xmx256m" })
@Threads(1)
public class AppendEncodingBenchmark {

	private static final RowSchema SCHEMA = RowSchema.of(List.of("user_id", "order_id", "type"));

	private AppendRowEncoder encoder;

	private List<EventRow> rows;

	private List<Integer> indexes;

	private Descriptors.Descriptor jsonDescriptor;

	private TableSchema tableSchema;

	@Setup
	public void setUp() throws Exception {
		this.encoder = new AppendRowEncoder(SCHEMA);
		this.rows = new ArrayList<>();
		this.indexes = new ArrayList<>();
		Instant now = Instant.parse("2026-12-01T10:15:30.123456789Z");
		for (int i = 0; i < 500; i++) {
			Map<String, Object> values = new LinkedHashMap<>();
			values.put("user_id", "5f2b8c1e9a7d3e4f6a1b2c3d-" + (i % 1000));
			values.put("order_id", (i % 3 == 0) ? "A-" + i : null);
			values.put("type", "view");
			values.put("event_time", now.plusMillis(i));
			values.put("message_id", "1x2y3z4w5v" + i);
			values.put("user_agent",
					"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36");
			values.put("remote_ip", "203.0.113.0");
			values.put("referer", "https://www.example.com/checkout/thanks");
			values.put("status", 200);
			values.put("received_at", now.plusSeconds(1));
			this.rows.add(EventRow.of(new TableName("pixel_events", ""), "1x2y3z4w5v" + i, values));
			this.indexes.add(i);
		}
		TableSchema.Builder table = TableSchema.newBuilder();
		for (Column column : SCHEMA.columns()) {
			table.addFields(TableFieldSchema.newBuilder()
				.setName(column.name())
				.setType(BigQueryWriteServer.storageType(column.type()))
				.setMode(column.required() ? TableFieldSchema.Mode.REQUIRED : TableFieldSchema.Mode.NULLABLE));
		}
		this.tableSchema = table.build();
		this.jsonDescriptor = BQTableSchemaToProtoDescriptor.convertBQTableSchemaToProtoDescriptor(this.tableSchema);
	}

	@Benchmark
	public ProtoRows protoRows() {
		return this.encoder.encode(this.rows, this.indexes);
	}

	@Benchmark
	public ProtoRows jsonStreamWriterConversion() {
		ProtoRows.Builder builder = ProtoRows.newBuilder();
		for (EventRow row : this.rows) {
			JSONObject json = new JSONObject();
			for (Map.Entry<String, Object> entry : row.values().entrySet()) {
				Object value = entry.getValue();
				if (value instanceof Instant instant) {
					// JsonStreamWriter takes a TIMESTAMP as microseconds since the epoch.
					json.put(entry.getKey(), ChronoUnit.MICROS.between(Instant.EPOCH, instant));
				}
				else if (value != null) {
					json.put(entry.getKey(), value);
				}
			}
			builder.addSerializedRows(JsonToProtoMessage.INSTANCE
				.convertToProtoMessage(this.jsonDescriptor, this.tableSchema, json, true)
				.toByteString());
		}
		return builder.build();
	}

}
