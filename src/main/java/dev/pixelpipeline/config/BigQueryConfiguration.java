package dev.pixelpipeline.config;

import java.time.Clock;
import java.util.regex.Pattern;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.TableId;
import dev.pixelpipeline.ingest.PipelineMetrics;
import dev.pixelpipeline.store.BatchWriter;
import dev.pixelpipeline.store.BatchingSink;
import dev.pixelpipeline.store.EventSink;
import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.store.TableLimit;
import dev.pixelpipeline.store.TableLimitWriter;
import dev.pixelpipeline.store.TableNamer;
import dev.pixelpipeline.store.bigquery.BigQueryStore;
import dev.pixelpipeline.store.bigquery.BigQueryWriteApiStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

/**
 * The BigQuery store when {@code pipeline.sink=bigquery}: the client, the store behind a
 * {@link BatchingSink}, the template table check at start-up and the readiness component
 * {@code bigQuery}. Bad rows still go to the embedded store's {@code _bad_rows} table
 * unless a dead-letter topic is set ({@link BadRowsConfiguration}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "pipeline.sink", havingValue = "bigquery")
class BigQueryConfiguration {

	/**
	 * Failed Storage Write API appends, tag {@code code}: a gRPC status code name, or
	 * {@code row_error} per row the table refused.
	 */
	static final String APPEND_ERRORS = "pixel.bigquery.append.errors";

	/**
	 * The client: one attempt per call, bounded timeouts; the store owns the retries.
	 */
	@Bean
	BigQuery bigQueryClient(PipelineProperties properties) {
		PipelineProperties.BigQuery settings = properties.bigquery();
		return BigQueryStore.client(settings.projectId(), settings.host(), settings.connectTimeout(),
				settings.readTimeout(), settings.maxConcurrentRequests() + 4);
	}

	/**
	 * The store of the configured layout: insertAll into template tables
	 * ({@link BigQueryStore}), or appends to one partitioned table through the Storage
	 * Write API ({@link BigQueryWriteApiStore}). Closed (as an {@link AutoCloseable})
	 * after the sink over it.
	 */
	@Bean
	BatchWriter bigQueryStore(BigQuery bigQueryClient, RowSchema schema, PipelineProperties properties, Clock clock,
			MeterRegistry meterRegistry) {
		PipelineProperties.BigQuery settings = properties.bigquery();
		PipelineProperties.Retry retry = settings.retry();
		String project = bigQueryClient.getOptions().getProjectId();
		if (!StringUtils.hasText(project)) {
			throw new IllegalStateException(
					"No Google Cloud project for BigQuery: set pipeline.bigquery.project-id (or GOOGLE_CLOUD_PROJECT)");
		}
		return switch (settings.layout()) {
			case TEMPLATE_TABLES -> {
				String suffix = properties.table().suffix();
				yield new BigQueryStore(bigQueryClient,
						TableId.of(project, settings.dataset(), properties.table().template()), schema,
						new BigQueryStore.Settings(suffix == null || suffix.isEmpty(), settings.createTemplate(),
								retry.initialBackoff(), retry.maxBackoff(), retry.minTimeLeft(),
								settings.maxConcurrentRequests()),
						clock);
			}
			case PARTITIONED ->
				new BigQueryWriteApiStore(bigQueryClient, BigQueryWriteApiStore.writeClient(settings.writeApiHost()),
						TableId.of(project, settings.dataset(), settings.table()), schema,
						new BigQueryWriteApiStore.Settings(settings.createTemplate(), settings.clustering(),
								retry.initialBackoff(), retry.maxBackoff(), retry.minTimeLeft()),
						clock, (code) -> meterRegistry.counter(APPEND_ERRORS, "code", code).increment());
		};
	}

	/**
	 * The sink over the store. In the template layout with a suffix the store sits behind
	 * a {@link TableLimit}, so that visitors cannot make BigQuery create tables without
	 * bound; one table (the partitioned layout, or an empty suffix) needs no bound.
	 */
	@Bean(destroyMethod = "close")
	BatchingSink bigQuerySink(BatchWriter bigQueryStore, TableNamer tableNamer, PipelineProperties properties,
			PipelineMetrics metrics, MeterRegistry registry, Clock clock) {
		PipelineProperties.BigQuery settings = properties.bigquery();
		PipelineProperties.Table table = properties.table();
		boolean partitioned = settings.layout() == PipelineProperties.Layout.PARTITIONED;
		BatchWriter writer = bigQueryStore;
		if (!partitioned && table.suffix() != null && !table.suffix().isEmpty()) {
			TableLimit limit = new TableLimit(tableNamer.suffixAttributes(),
					new TableLimit.Settings(Pattern.compile(table.suffixValuePattern()), table.maxNewTables(),
							table.newTablesWindow(), table.knownTables()),
					clock);
			Gauge.builder("pixel.table.new", limit, TableLimit::admittedInWindow)
				.description("New table suffixes admitted in the current pipeline.table.new-tables-window")
				.register(registry);
			writer = new TableLimitWriter(bigQueryStore, limit);
		}
		return new BatchingSink(writer,
				settings.batch()
					.settings(partitioned ? PipelineProperties.BigQuery.APPEND_BATCH_DEFAULTS
							: PipelineProperties.BigQuery.BATCH_DEFAULTS),
				metrics);
	}

	/**
	 * Contributes {@code bigQuery} to health, from the sink's own health (the template
	 * table, created first with {@code create-template}, and recent insert problems);
	 * application.yml puts it in the readiness group only.
	 */
	@Bean(destroyMethod = "close")
	StoreHealthIndicator bigQueryHealthIndicator(EventSink sink, PipelineProperties properties) {
		return new StoreHealthIndicator("BigQuery", sink::health, properties.bigquery().healthTimeout());
	}

	@Bean
	ApplicationRunner bigQueryStartupCheck(StoreHealthIndicator bigQueryHealthIndicator) {
		return (args) -> bigQueryHealthIndicator.checkAtStartup();
	}

}
