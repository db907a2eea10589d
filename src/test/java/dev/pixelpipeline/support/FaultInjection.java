package dev.pixelpipeline.support;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import dev.pixelpipeline.ingest.PipelineMetrics;
import dev.pixelpipeline.store.BatchSettings;
import dev.pixelpipeline.store.BatchWriter;
import dev.pixelpipeline.store.BatchingSink;
import dev.pixelpipeline.store.embedded.EmbeddedDatabase;
import dev.pixelpipeline.store.EventRow;
import dev.pixelpipeline.store.RowResult;
import dev.pixelpipeline.store.StoreHealth;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;

/**
 * Test configuration: the real batching sink over the real embedded writer, with faults
 * injected between the two, and the {@link AckLedger} told which rows the writer
 * committed.
 */
@TestConfiguration(proxyBeanMethods = false)
@Import(AckLedger.class)
public class FaultInjection {

	/** What the writer does with one write call. */
	public enum Fault {

		/** Write normally. */
		NONE,
		/** Fail the call before anything is written (a 503 or a refused connection). */
		FAIL_BEFORE_WRITE,
		/**
		 * Write the rows, then fail the call (the answer was lost: a dropped connection
		 * after the commit).
		 */
		FAIL_AFTER_WRITE,
		/** Take longer than the push deadline, then write. */
		SLOW

	}

	/** The faults and what happened, shared with the test. */
	public static final class Faults {

		private volatile Function<List<EventRow>, Fault> policy = (rows) -> Fault.NONE;

		private volatile Duration slowness = Duration.ofSeconds(1);

		private final AtomicInteger calls = new AtomicInteger();

		private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

		private final Set<String> committed = ConcurrentHashMap.newKeySet();

		private final AckLedger.Ledger ledger;

		Faults(AckLedger.Ledger ledger) {
			this.ledger = ledger;
			ledger.committed(this.committed::contains);
		}

		/** Decides each write call's fault from its rows. */
		public void policy(Function<List<EventRow>, Fault> policy) {
			this.policy = policy;
		}

		/** How long a {@link Fault#SLOW} call takes. */
		public void slowness(Duration slowness) {
			this.slowness = slowness;
		}

		/** Write calls so far. */
		public int calls() {
			return this.calls.get();
		}

		/** Write attempts of one message. */
		public int attempts(String messageId) {
			AtomicInteger count = this.attempts.get(messageId);
			return (count != null) ? count.get() : 0;
		}

		/** Message ids whose rows were committed by the writer. */
		public Set<String> committed() {
			return this.committed;
		}

		/**
		 * Message ids answered 2xx although no write had committed their row: must stay
		 * empty.
		 */
		public List<String> ackedUncommitted() {
			return this.ledger.ackedUncommitted();
		}

		/** How many pushes got each HTTP status. */
		public Map<Integer, AtomicInteger> answers() {
			return this.ledger.answers();
		}

	}

	private static final class FaultyWriter implements BatchWriter {

		private final BatchWriter delegate;

		private final Faults faults;

		FaultyWriter(BatchWriter delegate, Faults faults) {
			this.delegate = delegate;
			this.faults = faults;
		}

		@Override
		public List<RowResult> write(List<EventRow> rows, Instant deadline) {
			this.faults.calls.incrementAndGet();
			for (EventRow row : rows) {
				this.faults.attempts.computeIfAbsent(row.messageId(), (id) -> new AtomicInteger()).incrementAndGet();
			}
			Fault fault = this.faults.policy.apply(rows);
			if (fault == Fault.FAIL_BEFORE_WRITE) {
				throw new IllegalStateException("injected failure before the write",
						new IOException("connection refused"));
			}
			if (fault == Fault.SLOW) {
				try {
					Thread.sleep(this.faults.slowness.toMillis());
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			List<RowResult> results = this.delegate.write(rows, deadline);
			for (int i = 0; i < rows.size(); i++) {
				if (results.get(i).isStored()) {
					this.faults.committed.add(rows.get(i).messageId());
				}
			}
			if (fault == Fault.FAIL_AFTER_WRITE) {
				return Collections.nCopies(rows.size(), RowResult.retry("injected", "answer lost after the commit"));
			}
			return results;
		}

		@Override
		public String name() {
			return "embedded";
		}

		@Override
		public StoreHealth health() {
			return this.delegate.health();
		}

	}

	@Bean
	Faults faults(AckLedger.Ledger ledger) {
		return new Faults(ledger);
	}

	@Bean(destroyMethod = "close")
	@Primary
	BatchingSink faultInjectingSink(EmbeddedDatabase database, Faults faults, PipelineMetrics metrics,
			Environment environment) {
		BatchSettings settings = new BatchSettings(environment.getProperty("test.sink.max-rows", Integer.class, 1000),
				4L * 1024 * 1024, Duration.ofMillis(5),
				environment.getProperty("test.sink.max-pending", Integer.class, 20_000),
				environment.getProperty("test.sink.writers", Integer.class, 1));
		return new BatchingSink(new FaultyWriter(database.writer(), faults), settings, metrics);
	}

}
