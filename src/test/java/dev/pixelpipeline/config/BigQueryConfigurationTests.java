package dev.pixelpipeline.config;

import java.time.Duration;

import com.google.cloud.NoCredentials;
import com.google.cloud.bigquery.BigQuery;
import dev.pixelpipeline.store.BadRowSink;
import dev.pixelpipeline.store.BatchSettings;
import dev.pixelpipeline.store.embedded.EmbeddedDatabase;
import dev.pixelpipeline.store.EventSink;
import dev.pixelpipeline.store.bigquery.BigQueryWriteApiStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which sink {@code pipeline.sink} wires, and how the BigQuery client is built. No
 * network is touched.
 */
class BigQueryConfigurationTests {

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(PipelineProperties.class)
	static class Properties {

	}

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
		.withUserConfiguration(Properties.class, PipelineConfiguration.class, EmbeddedStoreConfiguration.class,
				BigQueryConfiguration.class, BadRowsConfiguration.class)
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withPropertyValues("pipeline.embedded.path=:memory:");

	@Test
	void embeddedModeHasNoBigQueryBeans() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(EventSink.class).hasBean("embeddedSink");
			assertThat(context).doesNotHaveBean(BigQuery.class).doesNotHaveBean("bigQueryHealthIndicator");
		});
	}

	@Test
	void bigQueryModeReplacesTheEmbeddedSinkAndKeepsBadRowsInTheEmbeddedStore() {
		this.runner
			.withPropertyValues("pipeline.sink=bigquery", "pipeline.bigquery.host=http://127.0.0.1:9",
					"pipeline.bigquery.project-id=p1")
			.run((context) -> {
				assertThat(context).hasSingleBean(EventSink.class)
					.hasBean("bigQuerySink")
					.doesNotHaveBean("embeddedSink");
				assertThat(context).hasSingleBean(EmbeddedDatabase.class);
				assertThat(context.getBean(BadRowSink.class).name()).isEqualTo("embedded");
				assertThat(context).hasBean("bigQueryHealthIndicator");
				BigQuery client = context.getBean(BigQuery.class);
				assertThat(client.getOptions().getCredentials()).isSameAs(NoCredentials.getInstance());
				assertThat(client.getOptions().getProjectId()).isEqualTo("p1");
				assertThat(client.getOptions().getRetrySettings().getMaxAttempts()).isEqualTo(1);
			});
	}

	@Test
	void theTemplateLayoutIsBoundedAndASingleTableIsNot() {
		ApplicationContextRunner bigQuery = this.runner.withPropertyValues("pipeline.sink=bigquery",
				"pipeline.bigquery.host=http://127.0.0.1:9", "pipeline.bigquery.project-id=p1");
		bigQuery.withPropertyValues("pipeline.table.max-new-tables=7", "pipeline.table.known-tables=70")
			.run((context) -> assertThat(context.getBean(MeterRegistry.class).find("pixel.table.new").gauge())
				.as("a suffix: the table bound and its gauge")
				.isNotNull()
				.satisfies((gauge) -> assertThat(gauge.value()).isZero()));
		bigQuery.withPropertyValues("pipeline.table.suffix=")
			.run((context) -> assertThat(context.getBean(MeterRegistry.class).find("pixel.table.new").gauge())
				.as("one table: no bound")
				.isNull());
	}

	@Test
	void thePartitionedLayoutWritesThroughTheStorageWriteApi() {
		this.runner
			.withPropertyValues("pipeline.sink=bigquery", "pipeline.bigquery.host=http://127.0.0.1:9",
					"pipeline.bigquery.project-id=p1", "pipeline.bigquery.layout=partitioned",
					"pipeline.bigquery.write-api-host=127.0.0.1:9")
			.run((context) -> {
				assertThat(context).hasSingleBean(EventSink.class).hasBean("bigQuerySink");
				assertThat(context.getBean(EventSink.class).name()).isEqualTo("bigquery-write-api");
				assertThat(context.getBean("bigQueryStore")).isInstanceOf(BigQueryWriteApiStore.class);
				assertThat(context.getBean(MeterRegistry.class).find("pixel.table.new").gauge())
					.as("one table: no table bound")
					.isNull();
			});
		this.runner
			.withPropertyValues("pipeline.sink=bigquery", "pipeline.bigquery.host=http://127.0.0.1:9",
					"pipeline.bigquery.project-id=p1")
			.run((context) -> assertThat(context.getBean(EventSink.class).name()).isEqualTo("bigquery"));
	}

	@Test
	void aHostWithoutAProjectIsRefusedWithAClearMessage() {
		this.runner.withPropertyValues("pipeline.sink=bigquery", "pipeline.bigquery.host=http://127.0.0.1:9")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("pipeline.bigquery.project-id"));
	}

	@Test
	void bigQueryBatchDefaultsStayUnderTheRequestLimit() {
		this.runner.run((context) -> {
			PipelineProperties properties = context.getBean(PipelineProperties.class);
			BatchSettings batch = properties.bigquery().batch().settings(PipelineProperties.BigQuery.BATCH_DEFAULTS);
			assertThat(batch).isEqualTo(new BatchSettings(500, 9L * 1024 * 1024, Duration.ofMillis(50), 20_000, 8,
					Duration.ofNanos(500_000)));
			assertThat(batch.maxBytes()).isLessThan(10L * 1000 * 1000);
			assertThat(properties.bigquery().dataset()).isEqualTo("pixel_tracking");
			assertThat(properties.bigquery().createTemplate()).isFalse();
		});
	}

}
