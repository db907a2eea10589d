package dev.pixelpipeline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.pixelpipeline.parse.TrackingEvent;
import dev.pixelpipeline.store.embedded.EmbeddedDatabase;
import dev.pixelpipeline.store.BatchWriter;
import dev.pixelpipeline.store.EventRow;
import dev.pixelpipeline.store.RowResult;
import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.store.TableNamer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One batch write of the embedded store (a DuckDB file, as in local use): the time per batch for a batch size, so
 * that the fixed cost per transaction and the cost per row can be told apart. Every row has a new message id and
 * all rows go to one table, as in the load benchmark.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = { "-Xms256m", "-Xmx256m" })
public class EmbeddedStoreBenchmark {

	private static final List<String> ATTRIBUTES = List.of("user_id", "order_id", "type");

	@Param({ "1", "80", "500" })
	public int batchRows;

	private Path directory;

	private EmbeddedDatabase database;

	private BatchWriter writer;

	private final RowSchema schema = RowSchema.of(ATTRIBUTES);

	private final TableNamer namer = new TableNamer("pixel", "_{user_id}_{date}", ATTRIBUTES);

	private long next;

	@Setup(Level.Trial)
	public void open() throws IOException {
		this.directory = Files.createTempDirectory("pixel-store-bench");
		this.database = new EmbeddedDatabase(this.directory.resolve("bench.duckdb").toString(), this.schema, "pixel");
		this.writer = this.database.writer();
	}

	@TearDown(Level.Trial)
	public void close() throws IOException {
		this.database.close();
		try (Stream<Path> files = Files.walk(this.directory)) {
			files.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
	}

	/** Writes one batch of new rows. */
	@Benchmark
	public List<RowResult> insertBatch() throws SQLException {
		List<EventRow> rows = new ArrayList<>(this.batchRows);
		Instant now = Instant.parse("2026-10-04T09:15:23.500Z");
		for (int i = 0; i < this.batchRows; i++) {
			String id = Long.toString(this.next++);
			TrackingEvent event = new TrackingEvent(id,
					Map.of("user_id", "5f2b8c1e9a7d3e4f6a1b2c3d", "order_id", "A-10023", "type", "purchase"),
					Instant.parse("2026-10-04T09:15:22.431998Z"),
					"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
							+ "Chrome/130.0.0.0 Safari/537.36",
					"203.0.113.0", "https://www.example.com/checkout/thanks", 200);
			rows.add(EventRow.of(this.namer.name(event), id, this.schema.values(event, now)));
		}
		return this.writer.write(rows, Instant.MAX);
	}

}
