package dev.pixelpipeline.config;

import java.time.Clock;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.TableId;
import dev.pixelpipeline.ingest.PipelineMetrics;
import dev.pixelpipeline.store.BatchingSink;
import dev.pixelpipeline.store.bigquery.BigQueryBatchWriter;
import dev.pixelpipeline.store.bigquery.BigQueryClients;
import dev.pixelpipeline.store.bigquery.BigQueryTemplateTable;
import dev.pixelpipeline.store.RowSchema;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

/**
 * Wires the BigQuery store when {@code pipeline.sink=bigquery}: the client, the batch
 * writer behind a {@link BatchingSink}, the template table check at start-up and the
 * readiness indicator {@code bigQuery}. Bad rows still go to the embedded store's
 * {@code _bad_rows} table unless another {@code BadRowSink} is configured.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "pipeline.sink", havingValue = "bigquery")
class BigQueryConfiguration {

	/**
	 * The client: one attempt per call, bounded timeouts; {@link BigQueryBatchWriter}
	 * owns the retries.
	 */
	@Bean
	BigQuery bigQueryClient(PipelineProperties properties) {
		PipelineProperties.BigQuery settings = properties.bigquery();
		return BigQueryClients.create(settings.projectId(), settings.host(), settings.connectTimeout(),
				settings.readTimeout(), settings.maxConcurrentRequests() + 4);
	}

	@Bean
	TableId bigQueryTemplateTableId(BigQuery bigQueryClient, PipelineProperties properties) {
		String project = bigQueryClient.getOptions().getProjectId();
		if (!StringUtils.hasText(project)) {
			throw new IllegalStateException(
					"No Google Cloud project for BigQuery: set pipeline.bigquery.project-id (or GOOGLE_CLOUD_PROJECT)");
		}
		return TableId.of(project, properties.bigquery().dataset(), properties.table().template());
	}

	@Bean(destroyMethod = "close")
	BigQueryBatchWriter bigQueryBatchWriter(BigQuery bigQueryClient, TableId bigQueryTemplateTableId,
			PipelineProperties properties, Clock clock) {
		PipelineProperties.BigQuery settings = properties.bigquery();
		PipelineProperties.Retry retry = settings.retry();
		return new BigQueryBatchWriter(bigQueryClient, bigQueryTemplateTableId.getProject(),
				bigQueryTemplateTableId.getDataset(),
				new BigQueryBatchWriter.Retry(retry.initialBackoff(), retry.maxBackoff(), retry.minTimeLeft()),
				settings.maxConcurrentRequests(), clock);
	}

	@Bean(destroyMethod = "close")
	BatchingSink bigQuerySink(BigQueryBatchWriter bigQueryBatchWriter, PipelineProperties properties,
			PipelineMetrics metrics) {
		return new BatchingSink(bigQueryBatchWriter,
				properties.bigquery().batch().settings(PipelineProperties.BigQuery.BATCH_DEFAULTS), metrics);
	}

	@Bean
	BigQueryTemplateTable bigQueryTemplateTable(BigQuery bigQueryClient, TableId bigQueryTemplateTableId,
			RowSchema schema, PipelineProperties properties) {
		String suffix = properties.table().suffix();
		return new BigQueryTemplateTable(bigQueryClient, bigQueryTemplateTableId, schema,
				suffix == null || suffix.isEmpty());
	}

	/**
	 * Contributes {@code bigQuery} to health; application.yml puts it in the readiness
	 * group only.
	 */
	@Bean(destroyMethod = "close")
	BigQueryHealthIndicator bigQueryHealthIndicator(BigQueryTemplateTable bigQueryTemplateTable,
			BigQueryBatchWriter bigQueryBatchWriter, PipelineProperties properties) {
		return new BigQueryHealthIndicator(bigQueryTemplateTable, bigQueryBatchWriter,
				properties.bigquery().createTemplate(), properties.bigquery().healthTimeout());
	}

	@Bean
	ApplicationRunner bigQueryStartupCheck(BigQueryHealthIndicator bigQueryHealthIndicator) {
		return (args) -> bigQueryHealthIndicator.checkAtStartup();
	}

}
