package dev.pixelpipeline.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.pixelpipeline.parse.BotPolicy;
import dev.pixelpipeline.parse.UserAgentClassifier;
import dev.pixelpipeline.store.BatchSettings;
import dev.pixelpipeline.store.Column;
import dev.pixelpipeline.store.RowSchema;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Every setting of the pipeline, under {@code pipeline.*}.
 *
 * @param sink where good rows go: {@code embedded} (DuckDB, the local default) or
 * {@code bigquery}
 * @param pixelPath the URL path of the pixel; only GET requests for exactly this path are
 * hits
 * @param attributes the query parameters kept, one STRING column each, in column order
 * @param privacy what is kept about visitors
 * @param table how tables are named
 * @param embedded the embedded DuckDB store
 * @param bigquery the BigQuery store, used when {@code sink} is {@code bigquery}
 * @param localPixel the local {@code /pixel.png} endpoint
 * @param readApi the read API under {@code /api}
 * @param push the push endpoint
 * @param metrics how the pipeline's metrics are labelled
 * @param deadLetter where bad rows go in production
 * @param ingest how messages reach the pipeline: pushed by Pub/Sub or pulled from a
 * subscription
 * @param shutdown how the pipeline stops
 * @param enrich what is derived from each hit besides its attributes
 */
@ConfigurationProperties("pipeline")
@Validated
public record PipelineProperties(@DefaultValue("embedded") @NotNull SinkType sink,
		@DefaultValue("/pixel.png") @Pattern(regexp = "/.*") String pixelPath, @DefaultValue( {
				"user_id", "order_id", "type" }) @NotEmpty List<String> attributes,
		@DefaultValue @Valid Privacy privacy, @DefaultValue @Valid Table table, @DefaultValue @Valid Embedded embedded,
		@DefaultValue @Valid BigQuery bigquery, @DefaultValue @Valid LocalPixel localPixel,
		@DefaultValue @Valid ReadApi readApi, @DefaultValue @Valid Push push, @DefaultValue @Valid Metrics metrics,
		@DefaultValue @Valid DeadLetter deadLetter, @DefaultValue @Valid Ingest ingest,
		@DefaultValue @Valid Shutdown shutdown, @DefaultValue @Valid Enrich enrich){

	/**
	 * Checks that span several settings, so that a wrong combination stops start-up with
	 * a message naming the settings instead of failing later in the bean that uses them.
	 * Checks that also need a setting outside {@code pipeline.*} (the Pub/Sub client for
	 * pull mode and the dead-letter topic) stay in the configuration that builds those
	 * beans.
	 */
	public PipelineProperties {
		if (deadLetter.required() && !deadLetter.enabled()) {
			throw new IllegalStateException("pipeline.dead-letter.topic is not set, and this deployment requires it"
					+ " (the gcp profile sets pipeline.dead-letter.required=true): bad rows would have nowhere durable"
					+ " to go. Set pipeline.dead-letter.topic to the Pub/Sub topic that receives bad rows.");
		}
		if (ingest.mode() == IngestMode.PULL && (ingest.subscription() == null || ingest.subscription().isBlank())) {
			throw new IllegalStateException(
					"pipeline.ingest.mode=pull needs pipeline.ingest.subscription: the subscription to pull from");
		}
		if (ingest.exitWhenIdle() != null) {
			if (ingest.mode() != IngestMode.PULL) {
				throw new IllegalStateException("pipeline.ingest.exit-when-idle=" + ingest.exitWhenIdle()
						+ " needs pipeline.ingest.mode=pull: only a pulling run (a replay of the undeliverable"
						+ " subscription) knows that its subscription is drained");
			}
			if (ingest.exitWhenIdle().isNegative() || ingest.exitWhenIdle().isZero()) {
				throw new IllegalStateException("pipeline.ingest.exit-when-idle must be a positive duration such as"
						+ " 30s (no message for that long: drained, exit 0), not " + ingest.exitWhenIdle());
			}
		}
		// Only the partitioned layout clusters: a template-tables deployment with other
		// attributes need not touch the clustering default.
		if (bigquery != null && bigquery.layout() == Layout.PARTITIONED) {
			checkClustering(bigquery.clustering(), attributes);
		}
		if (deadLetter.enabled() && deadLetter.publishTimeout().compareTo(push.deadline()) >= 0) {
			throw new IllegalStateException("pipeline.dead-letter.publish-timeout (" + deadLetter.publishTimeout()
					+ ") must be shorter than pipeline.push.deadline (" + push.deadline()
					+ ") so that a failed publish is answered 503 before Pub/Sub gives up on the push");
		}
		// In pull mode there is no push endpoint to protect, so no push settings are
		// needed.
		if (push.auth().enabled() && ingest.mode() == IngestMode.PUSH) {
			if (!StringUtils.hasText(push.auth().audience())) {
				throw new IllegalStateException(
						"pipeline.push.auth.audience must be set when pipeline.push.auth.enabled"
								+ " is true: the audience of the push subscription's OIDC token (by default the push URL)");
			}
			if (push.auth().serviceAccounts().stream().noneMatch(StringUtils::hasText)) {
				throw new IllegalStateException("pipeline.push.auth.service-accounts must name at least one service"
						+ " account when pipeline.push.auth.enabled is true: the push subscription's service account"
						+ " email");
			}
		}
		if (!enrich.userAgent() && enrich.bots() == BotPolicy.DROP) {
			throw new IllegalStateException("pipeline.enrich.bots=drop needs pipeline.enrich.user-agent=true: with"
					+ " user-agent enrichment off no hit is known to be a robot");
		}
	}

	private static void checkClustering(List<String> clustering, List<String> attributes) {
		if (clustering == null) {
			return;
		}
		if (clustering.size() > BigQuery.MAX_CLUSTERING_COLUMNS) {
			throw new IllegalStateException("pipeline.bigquery.clustering names " + clustering.size() + " columns "
					+ clustering + ": BigQuery clusters a table by at most " + BigQuery.MAX_CLUSTERING_COLUMNS);
		}
		List<String> known = new ArrayList<>((attributes != null) ? attributes : List.of());
		RowSchema.FIXED_COLUMNS.forEach((column) -> known.add(column.name()));
		for (String column : clustering) {
			if (known.stream().noneMatch((name) -> name.equalsIgnoreCase(column))) {
				throw new IllegalStateException("pipeline.bigquery.clustering: '" + column
						+ "' is not a column of the table; use a whitelisted attribute (pipeline.attributes) or one of "
						+ RowSchema.FIXED_COLUMNS.stream().map(Column::name).toList());
			}
		}
		if (clustering.stream().map(String::toLowerCase).distinct().count() != clustering.size()) {
			throw new IllegalStateException("pipeline.bigquery.clustering: " + clustering + " names a column twice");
		}
	}

	/** The stores good rows can go to. */
	public enum SinkType {

		/** DuckDB in a local file. */
		EMBEDDED,
		/** BigQuery streaming inserts. */
		BIGQUERY

	}

	/**
	 * What is kept about visitors.
	 *
	 * @param anonymizeIp zero the host part of client IPs: the IPv4 last octet, the IPv6
	 * last 80 bits
	 * @param dropUserAgent store no user agent at all
	 */
	public record Privacy(@DefaultValue("true") boolean anonymizeIp, @DefaultValue("false") boolean dropUserAgent) {
	}

	/**
	 * How tables are named, and how many tables visitors can make BigQuery create: with a
	 * non-empty suffix, a row whose suffix would be a new table past the bound becomes a
	 * bad row with reason {@code table_limit} (see {@code TableLimit}).
	 *
	 * @param template the template table; each table is this name plus the suffix
	 * @param suffix the suffix pattern: {@code {name}} is an attribute's value,
	 * {@code {date}} the UTC event date ({@code yyyyMMdd}); empty for a single table
	 * @param suffixValuePattern the regular expression each non-empty attribute value of
	 * the suffix must match as a whole before a new table is made for it; the default
	 * allows ids of up to 64 letters, digits, {@code _} and {@code -}
	 * @param maxNewTables how many new table suffixes one instance admits per
	 * {@code new-tables-window}; a suffix admitted recently is not new
	 * @param newTablesWindow the window {@code max-new-tables} counts in
	 * @param knownTables how many admitted suffixes each instance remembers (least
	 * recently used forgotten first; a forgotten one counts as new again): bounds the
	 * memory at about 250 bytes each; at least {@code max-new-tables}
	 */
	public record Table(@DefaultValue("pixel") String template, @DefaultValue("_{user_id}_{date}") String suffix,
			@DefaultValue("[A-Za-z0-9_-]{1,64}") @NotEmpty String suffixValuePattern,
			@DefaultValue("1000") @Min(1) int maxNewTables, @DefaultValue("1h") @NotNull Duration newTablesWindow,
			@DefaultValue("25000") @Min(1) int knownTables) {

		public Table {
			try {
				// Compiled here so that a wrong expression stops start-up naming the
				// setting (the jakarta @Pattern of this file is the annotation).
				if (suffixValuePattern != null) {
					java.util.regex.Pattern.compile(suffixValuePattern);
				}
			}
			catch (java.util.regex.PatternSyntaxException ex) {
				throw new IllegalStateException("pipeline.table.suffix-value-pattern is not a regular expression: "
						+ ex.getDescription() + " in '" + suffixValuePattern + "'");
			}
			if (knownTables < maxNewTables) {
				throw new IllegalStateException("pipeline.table.known-tables (" + knownTables
						+ ") must be at least pipeline.table.max-new-tables (" + maxNewTables
						+ "): an admitted table forgotten at once would count as new on its next row");
			}
			if (newTablesWindow != null && (newTablesWindow.isNegative() || newTablesWindow.isZero())) {
				throw new IllegalStateException(
						"pipeline.table.new-tables-window must be a positive duration such as 1h, not "
								+ newTablesWindow);
			}
		}

	}

	/**
	 * The embedded DuckDB store.
	 *
	 * @param path the database file, kept across restarts; {@code :memory:} for a
	 * throwaway store
	 * @param batch how rows are grouped into transactions
	 */
	public record Embedded(@DefaultValue("./data/pixel.duckdb") String path, @DefaultValue @Valid Batch batch) {

		/**
		 * Defaults for the embedded store: one writer, so one DuckDB transaction at a
		 * time.
		 */
		static final BatchSettings BATCH_DEFAULTS = new BatchSettings(1000, 4L * 1024 * 1024, Duration.ofMillis(5),
				20_000, 1, Duration.ofMillis(1));

	}

	/**
	 * The BigQuery store: streaming inserts ({@code tabledata.insertAll}) into
	 * template-suffixed tables.
	 *
	 * @param projectId the Google Cloud project of the dataset; required with
	 * {@code host}, else taken from the environment (Application Default Credentials, the
	 * metadata server) when empty
	 * @param dataset the dataset that holds the template table and the tables made from
	 * it
	 * @param host an endpoint override such as {@code http://127.0.0.1:9050} for a test
	 * server; when set, no Google credentials are needed or looked up
	 * @param createTemplate create the template table from the row schema at start-up
	 * when it is missing; otherwise readiness stays DOWN naming the missing table
	 * @param batch how rows of concurrent pushes are grouped into insert requests
	 * @param connectTimeout how long one insert request may take to connect
	 * @param readTimeout how long one insert request may wait for its answer
	 * @param maxConcurrentRequests how many insert requests (one per table of a batch)
	 * may run at the same time
	 * @param retry how failed insert requests are retried before the push is answered 503
	 * @param healthTimeout how long the readiness check waits for BigQuery before it
	 * reports DOWN
	 * @param layout {@code template-tables} (insertAll into one table per suffix, made
	 * from the template; the default) or {@code partitioned} (one table partitioned by
	 * day on {@code event_time}, written through the Storage Write API's default stream)
	 * @param table the partitioned layout's table, in {@code dataset}
	 * @param clustering the partitioned table's clustering columns, at most four, each a
	 * whitelisted attribute or a fixed column; used when the table is created
	 * @param writeApiHost an endpoint override ({@code host:port}) for the Storage Write
	 * API, such as a local stand-in; when set, appends go there over plaintext gRPC and
	 * no Google credentials are looked up, like {@code host} for REST
	 */
	public record BigQuery(String projectId, @DefaultValue("pixel_tracking") @NotEmpty String dataset, String host,
			@DefaultValue("false") boolean createTemplate, @DefaultValue @Valid Batch batch,
			@DefaultValue("2s") @NotNull Duration connectTimeout, @DefaultValue("4s") @NotNull Duration readTimeout,
			@DefaultValue("64") @Min(1) int maxConcurrentRequests, @DefaultValue @Valid Retry retry,
			@DefaultValue("3s") @NotNull Duration healthTimeout,
			@DefaultValue("template-tables") @NotNull Layout layout,
			@DefaultValue("pixel_events") @Pattern(regexp = "[A-Za-z0-9_]{1,1024}") String table, @DefaultValue( {
					"user_id", "type" }) List<String> clustering,
			String writeApiHost){

		/** The most columns BigQuery clusters a table by. */
		static final int MAX_CLUSTERING_COLUMNS = 4;

		/**
		 * Defaults for BigQuery: 500 rows per request (BigQuery's recommendation), well
		 * under the 10 MB request limit; a batch is written once no row has come for 0.5
		 * ms, and at the latest 50 ms after its first row; 8 requests in flight. Every
		 * push waits for its insert, so pushes come back in waves: at moderate
		 * concurrency a short gap ends the wave and its batch (waiting longer only adds
		 * latency; the load benchmark had 2 ms gaps cost 10 % of throughput at
		 * concurrency 80), while at high concurrency the waves merge, gaps are rare, and
		 * the 50 ms bound with 8 requests in flight lets batches grow instead of
		 * splitting into many small requests.
		 */
		static final BatchSettings BATCH_DEFAULTS = new BatchSettings(500, 9L * 1024 * 1024, Duration.ofMillis(50),
				20_000, 8, Duration.ofNanos(500_000));

		/**
		 * Defaults for the partitioned layout's appends: the same as for insertAll. One
		 * append carries rows of every user (there is one table), so a batch no longer
		 * splits into a request per table; an append may carry up to 10 MB, and proto
		 * rows are smaller than the JSON the byte estimate assumes.
		 */
		static final BatchSettings APPEND_BATCH_DEFAULTS = BATCH_DEFAULTS;

	}

	/** How good rows are laid out in BigQuery. */
	public enum Layout {

		/**
		 * One table per suffix value ({@code pipeline.table.suffix}), created by
		 * insertAll from the template table.
		 */
		TEMPLATE_TABLES,
		/**
		 * One table ({@code pipeline.bigquery.table}) partitioned by day on
		 * {@code event_time}, written through the Storage Write API.
		 */
		PARTITIONED

	}

	/**
	 * How failed insert requests are retried: with jittered exponential backoff, while
	 * time remains before the earliest push deadline of the batch.
	 *
	 * @param initialBackoff the longest wait before the first retry (each wait is random
	 * up to its bound)
	 * @param maxBackoff the bound on any wait between attempts
	 * @param minTimeLeft no new attempt starts with less than this left before the push
	 * deadline
	 */
	public record Retry(@DefaultValue("100ms") @NotNull Duration initialBackoff,
			@DefaultValue("2s") @NotNull Duration maxBackoff, @DefaultValue("500ms") @NotNull Duration minTimeLeft) {
	}

	/**
	 * How a sink groups rows from concurrent pushes into writes; an unset field takes the
	 * sink's default.
	 *
	 * @param maxRows a batch is written once it has this many rows
	 * @param maxBytes a batch is written before its estimated size passes this
	 * @param maxDelay a batch is written at the latest this long after its first row
	 * @param maxPending rows waiting beyond this are refused with 429 instead of queued
	 * @param writers how many batches are written at the same time
	 * @param maxIdle a batch is written before {@code max-delay} once no row has come for
	 * this long
	 */
	public record Batch(@Min(1) Integer maxRows, DataSize maxBytes, Duration maxDelay, @Min(1) Integer maxPending,
			@Min(1) Integer writers, Duration maxIdle) {

		/** These settings, with the sink's defaults where unset. */
		public BatchSettings settings(BatchSettings defaults) {
			Duration delay = (this.maxDelay != null) ? this.maxDelay : defaults.maxDelay();
			return new BatchSettings((this.maxRows != null) ? this.maxRows : defaults.maxRows(),
					(this.maxBytes != null) ? this.maxBytes.toBytes() : defaults.maxBytes(), delay,
					(this.maxPending != null) ? this.maxPending : defaults.maxPending(),
					(this.writers != null) ? this.writers : defaults.writers(),
					(this.maxIdle != null) ? this.maxIdle : min(defaults.maxIdle(), delay));
		}

		private static Duration min(Duration a, Duration b) {
			return (a.compareTo(b) <= 0) ? a : b;
		}

	}

	/**
	 * The local pixel endpoint.
	 *
	 * @param enabled serve {@code pixel-path} and store its hits; off in production,
	 * where the load balancer serves the pixel
	 */
	public record LocalPixel(@DefaultValue("true") boolean enabled) {
	}

	/**
	 * The read API.
	 *
	 * @param enabled serve {@code /api/tables}, {@code /api/events} and
	 * {@code /api/bad-rows} from the embedded store
	 */
	public record ReadApi(@DefaultValue("true") boolean enabled) {
	}

	/** How messages reach the pipeline. */
	public enum IngestMode {

		/** Pub/Sub pushes each message to {@code POST /pubsub/push} (Cloud Run). */
		PUSH,
		/**
		 * A streaming-pull subscriber pulls from {@code pipeline.ingest.subscription}
		 * (Kubernetes, VMs).
		 */
		PULL

	}

	/**
	 * The push endpoint.
	 *
	 * @param deadline how long a push waits for its rows before it is answered 503; under
	 * the subscription's ack deadline (10 s by default) so that Pub/Sub hears an answer
	 * @param maxBody bodies larger than this are refused with 413
	 * @param auth who may push
	 */
	public record Push(@DefaultValue("9s") @NotNull Duration deadline, @DefaultValue("1MB") @NotNull DataSize maxBody,
			@DefaultValue @Valid Auth auth) {
	}

	/**
	 * Authenticated push: every {@code POST /pubsub/push} must carry the Google-signed
	 * OIDC token that a push subscription with a service account sends
	 * ({@code Authorization: Bearer}). The signing keys come from Google's JWKS unless
	 * {@code spring.security.oauth2.resourceserver.jwt.jwk-set-uri} names another.
	 *
	 * @param enabled require the token; off locally, on in the {@code gcp} profile
	 * @param audience the {@code aud} the token must carry: the subscription's
	 * {@code audience}, by default the push endpoint URL; required when enabled
	 * @param serviceAccounts the push service accounts whose tokens are accepted (the
	 * {@code email} claim, which must also be verified); at least one when enabled
	 * @param clockSkew how far token times may be off the local clock
	 */
	public record Auth(@DefaultValue("false") boolean enabled, String audience,
			@DefaultValue List<String> serviceAccounts, @DefaultValue("30s") @NotNull Duration clockSkew) {
	}

	/**
	 * How the pipeline's metrics are labelled.
	 *
	 * @param instanceId the {@code instance} label of the series sent to Cloud
	 * Monitoring, so that series of many instances do not collide; empty for an id
	 * generated at start (Cloud Run's own instance id is only on the metadata server).
	 * Prometheus labels its targets itself and does not get this label.
	 * @param monitoringHost an endpoint override ({@code host:port}) for the Cloud
	 * Monitoring API, such as a local stand-in; when set, metrics go there over plaintext
	 * gRPC and no Google credentials are looked up, like {@code pipeline.bigquery.host}
	 * for BigQuery
	 */
	public record Metrics(@DefaultValue("") String instanceId, String monitoringHost) {
	}

	/**
	 * Where bad rows go when they must leave the service: a Pub/Sub dead-letter topic.
	 *
	 * @param topic the topic each bad row is published to (short name or
	 * {@code projects/P/topics/T}); when unset, bad rows go to the embedded store's
	 * {@code _bad_rows} table whichever sink stores good rows
	 * @param required refuse to start without a topic; the {@code gcp} profile sets it,
	 * since an instance's local file is no durable home for bad rows
	 * @param publishTimeout how long a publish may take before the push is answered 503
	 * and redelivered; must be shorter than {@code pipeline.push.deadline}
	 */
	public record DeadLetter(String topic, @DefaultValue("false") boolean required,
			@DefaultValue("5s") @NotNull Duration publishTimeout) {

		/** Whether bad rows are published to a topic. */
		public boolean enabled() {
			return this.topic != null && !this.topic.isBlank();
		}

	}

	/**
	 * How messages reach the pipeline.
	 *
	 * @param mode {@code push} (the default, for Cloud Run) or {@code pull} (a
	 * streaming-pull subscriber)
	 * @param subscription the subscription pull mode reads (short name or
	 * {@code projects/P/subscriptions/S})
	 * @param maxOutstandingMessages pull mode: at most this many messages are handed out
	 * and not yet acked
	 * @param maxOutstandingBytes pull mode: at most this many bytes of messages are
	 * handed out and not yet acked
	 * @param parallelPullCount pull mode: streaming-pull connections to open
	 * @param exitWhenIdle pull mode: once no message has arrived and none is being
	 * processed for this long, the subscription is taken as drained and the application
	 * shuts down gracefully and exits with code 0 (a replay of the undeliverable
	 * subscription as a Cloud Run job or a local run); unset (the default) to pull for
	 * ever
	 */
	public record Ingest(@DefaultValue("push") @NotNull IngestMode mode, String subscription,
			@DefaultValue("1000") @Min(1) long maxOutstandingMessages,
			@DefaultValue("100MB") @NotNull DataSize maxOutstandingBytes,
			@DefaultValue("1") @Min(1) int parallelPullCount, Duration exitWhenIdle) {
	}

	/**
	 * How the pipeline stops (Cloud Run sends SIGKILL 10 s after SIGTERM).
	 *
	 * @param flushTimeout after the web server stopped taking pushes and waited for those
	 * in flight ({@code spring.lifecycle.timeout-per-shutdown-phase}), how long the sinks
	 * may still write waiting rows; rows left after it are answered 503 so that Pub/Sub
	 * redelivers them
	 */
	public record Shutdown(@DefaultValue("1500ms") @NotNull Duration flushTimeout) {
	}

	/**
	 * What is derived from each hit besides its attributes.
	 *
	 * @param userAgent derive device class, agent, major version, OS and the bot flag
	 * from the user agent (ua-parser); {@code false} leaves those columns empty and costs
	 * nothing
	 * @param bots what happens to robots: {@code tag} (stored with {@code is_bot} true),
	 * {@code drop} (acked, counted as ignored with reason {@code bot}, not stored) or
	 * {@code keep} (stored, not classified)
	 * @param botPatterns regular expressions (case-insensitive, matched anywhere) that
	 * make a user agent a robot besides ua-parser's spiders; the default lists uptime
	 * checkers, link previewers, HTTP tools, headless browsers and the empty user agent
	 * @param cacheSize how many distinct user agents the classifier remembers
	 */
	public record Enrich(@DefaultValue("true") boolean userAgent, @DefaultValue("tag") @NotNull BotPolicy bots,
			List<String> botPatterns, @DefaultValue("10000") @Min(1) int cacheSize) {

		public Enrich {
			botPatterns = (botPatterns != null) ? List.copyOf(botPatterns) : UserAgentClassifier.DEFAULT_BOT_PATTERNS;
		}

	}

}
