package dev.pixelpipeline.support;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import dev.pixelpipeline.ingest.PipelineMetrics;
import dev.pixelpipeline.store.BatchSettings;
import dev.pixelpipeline.store.BatchWriter;
import dev.pixelpipeline.store.BatchingSink;
import dev.pixelpipeline.store.EmbeddedBatchWriter;
import dev.pixelpipeline.store.EmbeddedDatabase;
import dev.pixelpipeline.store.EventRow;
import dev.pixelpipeline.store.RowResult;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingRequestWrapper;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Test configuration: the real batching sink over the real embedded writer, with faults injected between the two,
 * and a ledger of every push answer that checks no push was acked for a row that was not committed.
 */
@TestConfiguration(proxyBeanMethods = false)
public class FaultInjection {

	/** What the writer does with one write call. */
	public enum Fault {

		/** Write normally. */
		NONE,
		/** Fail the call before anything is written (a 503 or a refused connection). */
		FAIL_BEFORE_WRITE,
		/** Write the rows, then fail the call (the answer was lost: a dropped connection after the commit). */
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

		private final List<String> ackedUncommitted = new CopyOnWriteArrayList<>();

		private final Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();

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

		/** Message ids answered 2xx although no write had committed their row: must stay empty. */
		public List<String> ackedUncommitted() {
			return this.ackedUncommitted;
		}

		/** How many pushes got each HTTP status. */
		public Map<Integer, AtomicInteger> answers() {
			return this.answers;
		}

		int answered(int status) {
			return this.answers.computeIfAbsent(status, (s) -> new AtomicInteger()).incrementAndGet();
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
				List<RowResult> lost = new ArrayList<>(rows.size());
				for (int i = 0; i < rows.size(); i++) {
					lost.add(RowResult.retry("injected", "answer lost after the commit"));
				}
				return lost;
			}
			return results;
		}

		@Override
		public String name() {
			return "embedded";
		}

	}

	@Bean
	Faults faults() {
		return new Faults();
	}

	@Bean(destroyMethod = "close")
	@Primary
	BatchingSink faultInjectingSink(EmbeddedDatabase database, Faults faults, PipelineMetrics metrics,
			Environment environment) {
		BatchSettings settings = new BatchSettings(environment.getProperty("test.sink.max-rows", Integer.class, 1000),
				4L * 1024 * 1024, Duration.ofMillis(5),
				environment.getProperty("test.sink.max-pending", Integer.class, 20_000),
				environment.getProperty("test.sink.writers", Integer.class, 1));
		return new BatchingSink(new FaultyWriter(new EmbeddedBatchWriter(database), faults), settings, metrics);
	}

	@Bean
	FilterRegistrationBean<AckLedger> ackLedger(Faults faults) {
		FilterRegistrationBean<AckLedger> registration = new FilterRegistrationBean<>(new AckLedger(faults));
		registration.addUrlPatterns("/pubsub/push");
		return registration;
	}

	/** Records every push answer and flags a 2xx for a hit whose row no write had committed. */
	static final class AckLedger extends OncePerRequestFilter {

		private static final JsonMapper JSON = JsonMapper.builder().build();

		private final Faults faults;

		AckLedger(Faults faults) {
			this.faults = faults;
		}

		@Override
		protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
				throws ServletException, IOException {
			ContentCachingRequestWrapper cached = new ContentCachingRequestWrapper(request, 2 * 1024 * 1024);
			chain.doFilter(cached, response);
			if (cached.isAsyncStarted()) {
				cached.getAsyncContext().addListener(new AsyncListener() {

					@Override
					public void onComplete(AsyncEvent event) {
						check(cached, response);
					}

					@Override
					public void onTimeout(AsyncEvent event) {
					}

					@Override
					public void onError(AsyncEvent event) {
					}

					@Override
					public void onStartAsync(AsyncEvent event) {
					}

				});
			}
			else {
				check(cached, response);
			}
		}

		private void check(ContentCachingRequestWrapper request, HttpServletResponse response) {
			int status = response.getStatus();
			this.faults.answered(status);
			if (status / 100 != 2) {
				return;
			}
			String id = request.getHeader("x-goog-pubsub-message-id");
			byte[] body = request.getContentAsByteArray();
			boolean hit = new String(body, java.nio.charset.StandardCharsets.UTF_8).contains("pixel.png");
			if (id == null) {
				try {
					JsonNode message = JSON.readTree(body).path("message");
					id = message.path("messageId").asString(null);
					String data = message.path("data").asString("");
					hit = new String(java.util.Base64.getDecoder().decode(data), java.nio.charset.StandardCharsets.UTF_8)
						.contains("pixel.png");
				}
				catch (RuntimeException ex) {
					return;
				}
			}
			if (hit && id != null && !this.faults.committed.contains(id)) {
				this.faults.ackedUncommitted.add(id);
			}
		}

	}

}
