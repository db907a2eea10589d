package dev.pixelpipeline.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingRequestWrapper;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Test configuration: records the answer of every push when it is sent, and flags a 2xx
 * for a pixel hit whose row the store had not committed at that moment (the test says
 * what "committed" means for its store). Rows are named by their key: the LogEntry's
 * {@code insertId}, else the message id.
 */
@TestConfiguration(proxyBeanMethods = false)
public class AckLedger {

	/** What was answered, shared with the test. */
	public static final class Ledger {

		private volatile Predicate<String> committed = (id) -> false;

		private final List<String> ackedUncommitted = new CopyOnWriteArrayList<>();

		private final Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();

		/** Tells the ledger which row keys the store has committed. */
		public void committed(Predicate<String> committed) {
			this.committed = committed;
		}

		/**
		 * Row keys of pixel hits answered 2xx although their row was not committed: must
		 * stay empty.
		 */
		public List<String> ackedUncommitted() {
			return this.ackedUncommitted;
		}

		/** How many pushes got each HTTP status. */
		public Map<Integer, AtomicInteger> answers() {
			return this.answers;
		}

	}

	@Bean
	Ledger pushLedger() {
		return new Ledger();
	}

	@Bean
	FilterRegistrationBean<LedgerFilter> ackLedgerFilter(Ledger ledger) {
		FilterRegistrationBean<LedgerFilter> registration = new FilterRegistrationBean<>(new LedgerFilter(ledger));
		registration.addUrlPatterns("/pubsub/push");
		return registration;
	}

	static final class LedgerFilter extends OncePerRequestFilter {

		private static final JsonMapper JSON = JsonMapper.builder().build();

		private final Ledger ledger;

		LedgerFilter(Ledger ledger) {
			this.ledger = ledger;
		}

		@Override
		protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
				throws ServletException, IOException {
			ContentCachingRequestWrapper cached = new ContentCachingRequestWrapper(request, 2 * 1024 * 1024);
			chain.doFilter(cached, response);
			if (!cached.isAsyncStarted()) {
				check(cached, response);
				return;
			}
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

		private void check(ContentCachingRequestWrapper request, HttpServletResponse response) {
			int status = response.getStatus();
			this.ledger.answers.computeIfAbsent(status, (s) -> new AtomicInteger()).incrementAndGet();
			if (status / 100 != 2) {
				return;
			}
			String id = request.getHeader("x-goog-pubsub-message-id");
			String data = new String(request.getContentAsByteArray(), StandardCharsets.UTF_8);
			if (id == null) {
				try {
					JsonNode message = JSON.readTree(request.getContentAsByteArray()).path("message");
					id = message.path("messageId").asString(null);
					data = new String(Base64.getDecoder().decode(message.path("data").asString("")),
							StandardCharsets.UTF_8);
				}
				catch (RuntimeException ex) {
					return;
				}
			}
			String key = rowKey(id, data);
			if (key != null && data.contains("pixel.png") && !this.ledger.committed.test(key)) {
				this.ledger.ackedUncommitted.add(key);
			}
		}

	}

	/**
	 * The key a hit's row is stored under: the LogEntry's {@code insertId}, else the
	 * message id.
	 */
	static String rowKey(String messageId, String data) {
		try {
			String insertId = LedgerFilter.JSON.readTree(data).path("insertId").asString(null);
			if (insertId != null && !insertId.isBlank()) {
				return insertId;
			}
		}
		catch (RuntimeException ex) {
			// not JSON: no row, the message id names it
		}
		return messageId;
	}

}
