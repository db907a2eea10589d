package dev.pixelpipeline.store.bigquery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.TableId;
import dev.pixelpipeline.store.BatchWriter;
import dev.pixelpipeline.store.EventRow;
import dev.pixelpipeline.store.RowResult;
import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.store.StoreHealth;

/**
 * The BigQuery store with {@code tabledata.insertAll} and template tables, the one entry
 * point of this adapter: configuration builds the {@link #client client} and this store,
 * and drives it as a {@link BatchWriter} behind a {@code BatchingSink}.
 *
 * <p>
 * Writes go to {@link BigQueryBatchWriter}. {@link #health() Health} checks (and with
 * {@code createTemplate} creates) the {@link BigQueryTemplateTable template table}, then
 * asks the writer whether inserts recently hit a problem that retrying cannot fix.
 */
public final class BigQueryStore implements BatchWriter, AutoCloseable {

	/**
	 * How the store writes.
	 *
	 * @param singleTable whether the table suffix is empty, so that the template receives
	 * every row itself (and is created partitioned)
	 * @param createTemplate whether the health check creates a missing template table
	 * @param initialBackoff the bound on the first wait between attempts
	 * @param maxBackoff the bound on any wait between attempts
	 * @param minTimeLeft no attempt starts with less time than this before the deadline
	 * @param maxConcurrentRequests how many insert requests may run at the same time
	 */
	public record Settings(boolean singleTable, boolean createTemplate, Duration initialBackoff, Duration maxBackoff,
			Duration minTimeLeft, int maxConcurrentRequests) {
	}

	private final BigQueryTemplateTable template;

	private final BigQueryBatchWriter writer;

	private final boolean createTemplate;

	/**
	 * The store.
	 * @param client a client from {@link #client}
	 * @param templateTable the template table; its project and dataset hold every table
	 * @param schema the columns
	 * @param settings how the store writes
	 * @param clock the clock deadlines are measured on
	 */
	public BigQueryStore(BigQuery client, TableId templateTable, RowSchema schema, Settings settings, Clock clock) {
		this.template = new BigQueryTemplateTable(client, templateTable, schema, settings.singleTable());
		this.writer = new BigQueryBatchWriter(client, templateTable.getProject(), templateTable.getDataset(),
				new BigQueryBatchWriter.Retry(settings.initialBackoff(), settings.maxBackoff(), settings.minTimeLeft()),
				settings.maxConcurrentRequests(), clock);
		this.createTemplate = settings.createTemplate();
	}

	/**
	 * A client that makes exactly one attempt per call, with bounded timeouts: the writer
	 * owns the retries.
	 * @param projectId the project, or {@code null} to take it from the environment;
	 * required with a host
	 * @param host an endpoint override such as a test server, or {@code null} for
	 * Google's; with a host no Google credentials are looked up
	 * @param connectTimeout how long a request may take to connect
	 * @param readTimeout how long a request may wait for its answer
	 * @param maxConnections the size of the connection pool
	 * @throws IllegalStateException when a host is given without a project
	 */
	public static BigQuery client(String projectId, String host, Duration connectTimeout, Duration readTimeout,
			int maxConnections) {
		return BigQueryClients.create(projectId, host, connectTimeout, readTimeout, maxConnections);
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
	 * Down, naming what to fix, while the dataset or the template table is missing or
	 * lacks columns, or while inserts recently hit a missing table or a denied
	 * permission. Asks BigQuery: the caller bounds the wait.
	 * @throws RuntimeException when BigQuery cannot be asked (network, permission)
	 */
	@Override
	public StoreHealth health() {
		Map<String, String> details = Map.of("table", this.template.describe());
		BigQueryTemplateTable.Check check = this.template.check();
		if (!check.ready() && this.createTemplate && this.template.createIfMissing()) {
			check = this.template.check();
		}
		if (!check.ready()) {
			return StoreHealth.down(check.message(), details);
		}
		StoreHealth inserts = this.writer.health();
		Map<String, String> all = new HashMap<>(details);
		all.putAll(inserts.details());
		return inserts.up() ? StoreHealth.up(check.message(), all) : StoreHealth.down(inserts.message(), all);
	}

	/** Stops the request threads; call after the sink over this store is shut down. */
	@Override
	public void close() {
		this.writer.close();
	}

}
