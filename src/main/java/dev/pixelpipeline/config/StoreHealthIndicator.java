package dev.pixelpipeline.config;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pixelpipeline.store.StoreHealth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Readiness of a store, whichever adapter it is: asks the store's own {@link StoreHealth
 * health} (the ports {@code EventSink} and {@code BatchWriter} carry it) and waits for
 * the answer at most a timeout, so that a hanging store turns readiness DOWN instead of
 * hanging the probe. Never part of liveness: a store outage must not restart the service.
 */
class StoreHealthIndicator extends AbstractHealthIndicator {

	private static final Logger logger = LoggerFactory.getLogger(StoreHealthIndicator.class);

	private final String store;

	private final Callable<StoreHealth> check;

	private final Duration timeout;

	private final ExecutorService executor;

	/**
	 * An indicator.
	 * @param store what the store is, for messages: {@code BigQuery}
	 * @param check the store's own check; may block
	 * @param timeout how long a health request waits for the check
	 */
	StoreHealthIndicator(String store, Callable<StoreHealth> check, Duration timeout) {
		super(store + " check failed");
		this.store = store;
		this.check = check;
		this.timeout = timeout;
		AtomicInteger threads = new AtomicInteger();
		String prefix = store.toLowerCase().replace(' ', '-') + "-health-";
		// Its own threads: a check that outlives its timeout must not hold up anything
		// else.
		this.executor = Executors.newCachedThreadPool((task) -> {
			Thread thread = new Thread(task, prefix + threads.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		});
	}

	void close() {
		this.executor.shutdownNow();
	}

	/**
	 * Runs the check once in the background and logs what it found (with BigQuery's
	 * {@code create-template}, this creates a missing template table); never throws.
	 */
	CompletableFuture<StoreHealth> checkAtStartup() {
		return CompletableFuture.supplyAsync(this::runCheck, this.executor).handle((health, ex) -> {
			if (ex != null) {
				Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
				logger.warn("{} could not be checked at start-up; readiness will retry: {}", this.store,
						cause.getMessage());
				return null;
			}
			if (health.up()) {
				if (health.message() != null) {
					logger.info(health.message());
				}
			}
			else {
				logger.error("{}; readiness stays DOWN until then", health.message());
			}
			return health;
		});
	}

	private StoreHealth runCheck() {
		try {
			return this.check.call();
		}
		catch (RuntimeException ex) {
			throw ex;
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex.getMessage(), ex);
		}
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) throws Exception {
		StoreHealth health;
		Future<StoreHealth> answer = this.executor.submit(this.check);
		try {
			health = answer.get(this.timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException ex) {
			answer.cancel(true);
			builder.down().withDetail("error", this.store + " did not answer within " + this.timeout);
			return;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			answer.cancel(true);
			builder.down().withDetail("error", "interrupted while asking " + this.store);
			return;
		}
		catch (ExecutionException ex) {
			builder.down().withDetail("error", this.store + " check failed: " + ex.getCause().getMessage());
			return;
		}
		builder.withDetails(health.details());
		if (health.up()) {
			builder.up();
		}
		else {
			builder.down().withDetail("error", health.message());
		}
	}

}
