package dev.pixelpipeline.config;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import dev.pixelpipeline.store.BatchSettings;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

class PipelinePropertiesTests {

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(PipelineProperties.class)
	static class Config {

	}

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
		.withUserConfiguration(Config.class);

	@Test
	void defaultsAreTheDocumentedOnes() {
		this.runner.run((context) -> {
			PipelineProperties properties = context.getBean(PipelineProperties.class);
			assertThat(properties.sink()).isEqualTo(PipelineProperties.SinkType.EMBEDDED);
			assertThat(properties.pixelPath()).isEqualTo("/pixel.png");
			assertThat(properties.attributes()).containsExactly("user_id", "order_id", "type");
			assertThat(properties.privacy().anonymizeIp()).isTrue();
			assertThat(properties.privacy().dropUserAgent()).isFalse();
			assertThat(properties.table().template()).isEqualTo("pixel");
			assertThat(properties.table().suffix()).isEqualTo("_{user_id}_{date}");
			assertThat(properties.embedded().path()).isEqualTo("./data/pixel.duckdb");
			assertThat(properties.localPixel().enabled()).isTrue();
			assertThat(properties.readApi().enabled()).isTrue();
			assertThat(properties.push().deadline()).isEqualTo(Duration.ofSeconds(9));
			assertThat(properties.push().maxBody().toBytes()).isEqualTo(1024 * 1024);
			assertThat(properties.embedded().batch().settings(PipelineProperties.Embedded.BATCH_DEFAULTS))
				.isEqualTo(PipelineProperties.Embedded.BATCH_DEFAULTS);
		});
	}

	@Test
	void bindsOverridesAndKeepsDefaultsForUnsetBatchFields() {
		this.runner.withPropertyValues("pipeline.sink=bigquery", "pipeline.attributes=user_id,campaign",
				"pipeline.table.suffix=", "pipeline.embedded.batch.max-rows=50", "pipeline.privacy.anonymize-ip=false")
			.run((context) -> {
				PipelineProperties properties = context.getBean(PipelineProperties.class);
				assertThat(properties.sink()).isEqualTo(PipelineProperties.SinkType.BIGQUERY);
				assertThat(properties.attributes()).containsExactly("user_id", "campaign");
				assertThat(properties.table().suffix()).isEmpty();
				assertThat(properties.privacy().anonymizeIp()).isFalse();
				BatchSettings batch = properties.embedded()
					.batch()
					.settings(PipelineProperties.Embedded.BATCH_DEFAULTS);
				assertThat(batch.maxRows()).isEqualTo(50);
				assertThat(batch.maxDelay()).isEqualTo(PipelineProperties.Embedded.BATCH_DEFAULTS.maxDelay());
			});
	}

	@Test
	void tableBoundDefaultsAndRefusals() {
		this.runner.run((context) -> {
			PipelineProperties.Table table = context.getBean(PipelineProperties.class).table();
			assertThat(table.suffixValuePattern()).isEqualTo("[A-Za-z0-9_-]{1,64}");
			assertThat(table.maxNewTables()).isEqualTo(1000);
			assertThat(table.newTablesWindow()).isEqualTo(Duration.ofHours(1));
			assertThat(table.knownTables()).isEqualTo(25_000);
		});
		this.runner.withPropertyValues("pipeline.table.suffix-value-pattern=[a-z")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("pipeline.table.suffix-value-pattern is not a regular expression"));
		this.runner.withPropertyValues("pipeline.table.max-new-tables=100", "pipeline.table.known-tables=99")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("pipeline.table.known-tables (99) must be at least"));
		this.runner.withPropertyValues("pipeline.table.new-tables-window=0s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("pipeline.table.new-tables-window must be a positive duration"));
	}

	@Test
	void refusesAPixelPathThatIsNotAPath() {
		this.runner.withPropertyValues("pipeline.pixel-path=pixel.png")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("pixelPath"));
	}

	@Test
	void exitWhenIdleIsOffByDefaultAndBindsInPullMode() {
		this.runner
			.run((context) -> assertThat(context.getBean(PipelineProperties.class).ingest().exitWhenIdle()).isNull());
		this.runner
			.withPropertyValues("pipeline.ingest.mode=pull", "pipeline.ingest.subscription=pixel-undeliverable",
					"pipeline.ingest.exit-when-idle=30s")
			.run((context) -> assertThat(context.getBean(PipelineProperties.class).ingest().exitWhenIdle())
				.isEqualTo(Duration.ofSeconds(30)));
	}

	@Test
	void refusesExitWhenIdleOutsidePullMode() {
		this.runner.withPropertyValues("pipeline.ingest.exit-when-idle=30s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("pipeline.ingest.exit-when-idle=PT30S needs pipeline.ingest.mode=pull"));
	}

	@Test
	void refusesAnExitWhenIdleThatIsNotPositive() {
		for (String idle : new String[] { "0s", "-5s" }) {
			this.runner
				.withPropertyValues("pipeline.ingest.mode=pull", "pipeline.ingest.subscription=s",
						"pipeline.ingest.exit-when-idle=" + idle)
				.run((context) -> assertThat(context).hasFailed()
					.getFailure()
					.rootCause()
					.hasMessageContaining("pipeline.ingest.exit-when-idle must be a positive duration"));
		}
	}

	@Test
	void refusesADeadLetterPublishTimeoutNotShorterThanThePushDeadline() {
		this.runner
			.withPropertyValues("pipeline.dead-letter.topic=bad-rows", "pipeline.dead-letter.publish-timeout=9s",
					"pipeline.push.deadline=9s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("pipeline.dead-letter.publish-timeout (PT9S) must be shorter than"
						+ " pipeline.push.deadline (PT9S)"));
		this.runner
			.withPropertyValues("pipeline.dead-letter.topic=bad-rows", "pipeline.dead-letter.publish-timeout=3s",
					"pipeline.push.deadline=9s")
			.run((context) -> assertThat(context).hasNotFailed());
		// Without a topic nothing is published, so the timeout does not matter.
		this.runner.withPropertyValues("pipeline.dead-letter.publish-timeout=20s")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void pushAuthenticationInPushModeNeedsAnAudienceAndAServiceAccount() {
		this.runner
			.withPropertyValues("pipeline.push.auth.enabled=true",
					"pipeline.push.auth.service-accounts=pusher@example-project.iam.gserviceaccount.com")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("pipeline.push.auth.audience must be set"));
		this.runner
			.withPropertyValues("pipeline.push.auth.enabled=true", "pipeline.push.auth.audience=https://push.example",
					"pipeline.push.auth.service-accounts= ")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("pipeline.push.auth.service-accounts must name at least one service account"));
		this.runner
			.withPropertyValues("pipeline.push.auth.enabled=true", "pipeline.push.auth.audience=https://push.example",
					"pipeline.push.auth.service-accounts=pusher@example-project.iam.gserviceaccount.com")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void pushAuthenticationNeedsNoPushSettingsInPullMode() {
		this.runner
			.withPropertyValues("pipeline.push.auth.enabled=true", "pipeline.ingest.mode=pull",
					"pipeline.ingest.subscription=pixel-pipeline-pull")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void theTemplateLayoutIsTheDefaultAndThePartitionedOneBinds() {
		this.runner.run((context) -> {
			PipelineProperties.BigQuery bigquery = context.getBean(PipelineProperties.class).bigquery();
			assertThat(bigquery.layout()).isEqualTo(PipelineProperties.Layout.TEMPLATE_TABLES);
			assertThat(bigquery.table()).isEqualTo("pixel_events");
			assertThat(bigquery.clustering()).containsExactly("user_id", "type");
			assertThat(bigquery.writeApiHost()).isNull();
		});
		this.runner.withPropertyValues("pipeline.bigquery.layout=partitioned", "pipeline.bigquery.table=hits",
				"pipeline.bigquery.clustering=type,status,event_time", "pipeline.bigquery.write-api-host=127.0.0.1:9")
			.run((context) -> {
				PipelineProperties.BigQuery bigquery = context.getBean(PipelineProperties.class).bigquery();
				assertThat(bigquery.layout()).isEqualTo(PipelineProperties.Layout.PARTITIONED);
				assertThat(bigquery.table()).isEqualTo("hits");
				assertThat(bigquery.clustering()).containsExactly("type", "status", "event_time");
				assertThat(bigquery.writeApiHost()).isEqualTo("127.0.0.1:9");
			});
	}

	@Test
	void refusesClusteringByMoreThanFourOrByUnknownColumns() {
		this.runner
			.withPropertyValues("pipeline.bigquery.layout=partitioned",
					"pipeline.bigquery.clustering=user_id,type,order_id,status,referer")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("pipeline.bigquery.clustering names 5 columns")
				.hasMessageContaining("at most 4"));
		this.runner
			.withPropertyValues("pipeline.bigquery.layout=partitioned", "pipeline.bigquery.clustering=user_id,campaign")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("pipeline.bigquery.clustering: 'campaign' is not a column of the table")
				.hasMessageContaining("pipeline.attributes"));
		this.runner.withPropertyValues("pipeline.bigquery.layout=partitioned", "pipeline.bigquery.clustering=type,TYPE")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("names a column twice"));
		// The template layout does not cluster, so other attributes need no other
		// clustering.
		this.runner.withPropertyValues("pipeline.attributes=user_id,campaign")
			.run((context) -> assertThat(context).hasNotFailed());
		this.runner
			.withPropertyValues("pipeline.bigquery.layout=partitioned", "pipeline.attributes=user_id,campaign",
					"pipeline.bigquery.clustering=campaign")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	/**
	 * The batch defaults live in code per sink, so the configuration processor cannot see
	 * them: META-INF/additional-spring-configuration-metadata.json states them for IDEs,
	 * and must say what the code does.
	 */
	@Test
	void configurationMetadataStatesEachSinksBatchDefaults() throws IOException {
		JsonNode metadata;
		try (InputStream in = getClass().getClassLoader()
			.getResourceAsStream("META-INF/additional-spring-configuration-metadata.json")) {
			assertThat(in).as("additional-spring-configuration-metadata.json on the classpath").isNotNull();
			metadata = JsonMapper.builder().build().readTree(in);
		}
		Map<String, String> defaults = new HashMap<>();
		metadata.get("properties")
			.forEach((property) -> defaults.put(property.get("name").asString(),
					property.get("defaultValue").asString()));
		assertThat(stated(defaults, "pipeline.embedded.batch")).isEqualTo(PipelineProperties.Embedded.BATCH_DEFAULTS);
		assertThat(stated(defaults, "pipeline.bigquery.batch")).isEqualTo(PipelineProperties.BigQuery.BATCH_DEFAULTS);
	}

	private static BatchSettings stated(Map<String, String> defaults, String prefix) {
		return new BatchSettings(Integer.parseInt(defaults.get(prefix + ".max-rows")),
				DataSize.parse(defaults.get(prefix + ".max-bytes")).toBytes(),
				DurationStyle.detectAndParse(defaults.get(prefix + ".max-delay")),
				Integer.parseInt(defaults.get(prefix + ".max-pending")),
				Integer.parseInt(defaults.get(prefix + ".writers")),
				DurationStyle.detectAndParse(defaults.get(prefix + ".max-idle")));
	}

}
