package dev.pixelpipeline.store.bigquery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteClient;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteSettings;
import com.google.cloud.bigquery.storage.v1.StreamWriter;
import com.google.cloud.bigquery.storage.v1.TableName;
import dev.pixelpipeline.store.BatchWriter;
import dev.pixelpipeline.store.EventRow;
import dev.pixelpipeline.store.RowResult;
import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.store.StoreHealth;
import io.grpc.ManagedChannelBuilder;

/**
 * The partitioned layout's BigQuery store: one table partitioned by day on
 * {@code event_time}, written through the Storage Write API's default stream, driven as a
 * {@link BatchWriter} behind a {@code BatchingSink}.
 *
 * <p>
 * Writes go to {@link BigQueryWriteApiWriter}. {@link #health() Health} checks (and with
 * {@code createTable} creates) the table through the REST client, with the schema,
 * partitioning and clustering of {@link BigQueryTemplateTable#partitioned}, then asks the
 * writer whether appends recently hit a problem that retrying cannot fix.
 */
public final class BigQueryWriteApiStore implements BatchWriter, AutoCloseable {

	/**
	 * How the store writes.
	 *
	 * @param createTable whether the health check creates a missing table
	 * @param clustering the columns the table is clustered by when created
	 * @param initialBackoff the bound on the first wait between attempts
	 * @param maxBackoff the bound on any wait between attempts
	 * @param minTimeLeft no attempt starts with less time than this before the deadline
	 */
	public record Settings(boolean createTable, List<String> clustering, Duration initialBackoff, Duration maxBackoff,
			Duration minTimeLeft) {
	}

	private final BigQueryTemplateTable table;

	private final BigQueryWriteApiWriter writer;

	private final boolean createTable;

	private final BigQueryWriteClient writeClient;

	/**
	 * The store.
	 * @param client the REST client, for the table check
	 * @param writeClient a client from {@link #writeClient}; the store closes it
	 * @param tableId the table
	 * @param schema the columns
	 * @param settings how the store writes
	 * @param clock the clock deadlines are measured on
	 * @param appendErrors told the code of each failed append (a gRPC status code name),
	 * or {@code row_error} once per row the table refused
	 */
	public BigQueryWriteApiStore(BigQuery client, BigQueryWriteClient writeClient, TableId tableId, RowSchema schema,
			Settings settings, Clock clock, Consumer<String> appendErrors) {
		this.table = BigQueryTemplateTable.partitioned(client, tableId, schema, settings.clustering());
		AppendRowEncoder encoder = new AppendRowEncoder(schema);
		// The canonical name of the default stream; the client's getDefaultStreamName
		// gives the older ".../tables/t/_default" spelling.
		String stream = TableName.of(tableId.getProject(), tableId.getDataset(), tableId.getTable())
				+ "/streams/_default";
		this.writer = new BigQueryWriteApiWriter(BigQueryTemplateTable.describe(tableId),
				() -> StreamWriter.newBuilder(stream, writeClient)
					.setWriterSchema(encoder.protoSchema())
					// No connection pool: it multiplexes many tables over shared
					// connections, and there is one table here. Measured against the
					// stand-in, a writer replaced after the server closed its
					// connection for good hung in pool mode (the pool is process-wide and
					// kept the dead connection), and recovered without it.
					.setEnableConnectionPool(false)
					.build(),
				encoder,
				new BigQueryBatchWriter.Retry(settings.initialBackoff(), settings.maxBackoff(), settings.minTimeLeft()),
				clock, appendErrors);
		this.createTable = settings.createTable();
		this.writeClient = writeClient;
	}

	/**
	 * A Storage Write API client.
	 * @param host {@code host:port} of a plaintext endpoint such as a test server, used
	 * without credentials; or {@code null} for Google's, with Application Default
	 * Credentials
	 */
	public static BigQueryWriteClient writeClient(String host) {
		try {
			if (host == null || host.isBlank()) {
				return BigQueryWriteClient.create();
			}
			return BigQueryWriteClient.create(BigQueryWriteSettings.newBuilder()
				.setEndpoint(host)
				.setCredentialsProvider(NoCredentialsProvider.create())
				.setTransportChannelProvider(BigQueryWriteSettings.defaultGrpcTransportProviderBuilder()
					.setChannelConfigurator(ManagedChannelBuilder::usePlaintext)
					.build())
				.build());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot create the Storage Write API client"
					+ ((host != null && !host.isBlank()) ? " for " + host : ""), ex);
		}
	}

	@Override
	public List<RowResult> write(List<EventRow> rows, Instant deadline) {
		return this.writer.write(rows, deadline);
	}

	@Override
	public String name() {
		return this.writer.name();
	}

	/**
	 * Down, naming what to fix, while the dataset or the table is missing, lacks columns
	 * or is not partitioned on {@code event_time}, or while appends recently hit a
	 * missing table or a denied permission. Asks BigQuery: the caller bounds the wait.
	 * @throws RuntimeException when BigQuery cannot be asked (network, permission)
	 */
	@Override
	public StoreHealth health() {
		Map<String, String> details = new HashMap<>();
		details.put("table", this.table.describe());
		details.put("layout", "partitioned");
		BigQueryTemplateTable.Check check = this.table.check();
		if (!check.ready() && this.createTable && this.table.createIfMissing()) {
			check = this.table.check();
		}
		if (!check.ready()) {
			return StoreHealth.down(check.message(), details);
		}
		StoreHealth appends = this.writer.health();
		details.putAll(appends.details());
		return appends.up() ? StoreHealth.up(check.message(), details) : StoreHealth.down(appends.message(), details);
	}

	/**
	 * Closes the stream writer and the client; call after the sink over this store is
	 * shut down.
	 */
	@Override
	public void close() {
		try {
			this.writer.close();
		}
		finally {
			this.writeClient.close();
		}
	}

}
