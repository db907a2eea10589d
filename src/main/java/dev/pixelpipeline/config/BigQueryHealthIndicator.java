package dev.pixelpipeline.config;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pixelpipeline.store.bigquery.BigQueryBatchWriter;
import dev.pixelpipeline.store.bigquery.BigQueryTemplateTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Readiness of the BigQuery store: the dataset and template table exist with every column
 * (created first when {@code pipeline.bigquery.create-template} is on), and inserts have
 * not recently hit a missing table or a denied permission. Waits at most
 * {@code pipeline.bigquery.health-timeout}. Never part of liveness: a BigQuery outage
 * must not restart the service.
 */
class BigQueryHealthIndicator extends AbstractHealthIndicator {

	private static final Logger logger = LoggerFactory.getLogger(BigQueryHealthIndicator.class);

	private final BigQueryTemplateTable template;

	private final BigQueryBatchWriter writer;

	private final boolean createTemplate;

	private final Duration timeout;

	private final ExecutorService executor;

	BigQueryHealthIndicator(BigQueryTemplateTable template, BigQueryBatchWriter writer, boolean createTemplate,
			Duration timeout) {
		super("BigQuery check failed");
		this.template = template;
		this.writer = writer;
		this.createTemplate = createTemplate;
		this.timeout = timeout;
		AtomicInteger threads = new AtomicInteger();
		// Its own threads: a check that outlives its timeout must not hold up anything
		// else.
		this.executor = Executors.newCachedThreadPool((task) -> {
			Thread thread = new Thread(task, "bigquery-health-" + threads.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		});
	}

	void close() {
		this.executor.shutdownNow();
	}

	/**
	 * Checks (and with create-template, creates) the template table and logs what it
	 * found; never throws.
	 */
	CompletableFuture<BigQueryTemplateTable.Check> checkAtStartup() {
		return CompletableFuture.supplyAsync(this::checkOrCreate, this.executor).handle((check, ex) -> {
			if (ex != null) {
				logger.warn("BigQuery template table {} could not be checked at start-up; readiness will retry: {}",
						this.template.describe(), ex.getMessage());
				return null;
			}
			if (check.ready()) {
				logger.info(check.message());
			}
			else {
				logger.error("{}; readiness stays DOWN until then", check.message());
			}
			return check;
		});
	}

	private BigQueryTemplateTable.Check checkOrCreate() {
		BigQueryTemplateTable.Check check = this.template.check();
		if (!check.ready() && this.createTemplate && this.template.createIfMissing()) {
			check = this.template.check();
		}
		return check;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) throws Exception {
		builder.withDetail("table", this.template.describe());
		BigQueryTemplateTable.Check check;
		try {
			check = CompletableFuture.supplyAsync(this::checkOrCreate, this.executor)
				.get(this.timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException ex) {
			builder.down().withDetail("error", "BigQuery did not answer within " + this.timeout);
			return;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			builder.down().withDetail("error", "interrupted while asking BigQuery");
			return;
		}
		catch (ExecutionException ex) {
			builder.down().withDetail("error", "BigQuery check failed: " + ex.getCause().getMessage());
			return;
		}
		if (!check.ready()) {
			builder.down().withDetail("error", check.message());
			return;
		}
		BigQueryBatchWriter.Problem problem = this.writer.problem();
		if (problem != null) {
			builder.down().withDetail("error", problem.message()).withDetail("since", problem.seenAt().toString());
			return;
		}
		builder.up();
	}

}
