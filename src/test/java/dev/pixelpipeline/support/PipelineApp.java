package dev.pixelpipeline.support;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import dev.pixelpipeline.PixelPipelineApplication;
import dev.pixelpipeline.store.embedded.EmbeddedReads;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The real application, started for an end-to-end test on a loopback port with its own
 * embedded store.
 */
public final class PipelineApp implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private PipelineApp(ConfigurableApplicationContext context) {
		this.context = context;
	}

	/**
	 * Starts the application.
	 * @param properties settings on top of application.yml ({@code server.port} 0 for a
	 * random port)
	 * @param extraSources test configurations to add, such as {@link FaultInjection}
	 */
	public static PipelineApp start(Map<String, Object> properties, Class<?>... extraSources) {
		Map<String, Object> all = new LinkedHashMap<>();
		all.put("server.port", "0");
		all.put("server.address", "127.0.0.1");
		all.putAll(properties);
		Class<?>[] sources = new Class<?>[extraSources.length + 1];
		sources[0] = PixelPipelineApplication.class;
		System.arraycopy(extraSources, 0, sources, 1, extraSources.length);
		// As arguments, so that they win over application.yml (default properties would
		// not).
		String[] args = all.entrySet()
			.stream()
			.map((e) -> "--" + e.getKey() + "=" + e.getValue())
			.toArray(String[]::new);
		ConfigurableApplicationContext context = new SpringApplicationBuilder(sources).registerShutdownHook(false)
			.run(args);
		return new PipelineApp(context);
	}

	/** The application context. */
	public ConfigurableApplicationContext context() {
		return this.context;
	}

	/** The port the web server listens on. */
	public int port() {
		return ((WebServerApplicationContext) this.context).getWebServer().getPort();
	}

	/** The push endpoint, as a push subscription names it. */
	public String pushEndpoint() {
		return "http://127.0.0.1:" + port() + "/pubsub/push";
	}

	/** Reads of the embedded store. */
	public EmbeddedReads database() {
		return this.context.getBean(EmbeddedReads.class);
	}

	/**
	 * Every stored event row (all tables), keyed by message id; a message id stored twice
	 * fails.
	 */
	public Map<String, Map<String, Object>> eventsById() {
		try {
			Map<String, Map<String, Object>> byId = new HashMap<>();
			for (Map<String, Object> row : database().events(Integer.MAX_VALUE, null)) {
				Map<String, Object> previous = byId.put((String) row.get("message_id"), row);
				if (previous != null) {
					throw new AssertionError("message " + row.get("message_id") + " is stored twice: in "
							+ previous.get("_table") + " and " + row.get("_table"));
				}
			}
			return byId;
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Reading the embedded store failed: " + ex.getMessage(), ex);
		}
	}

	/** Every bad row, keyed by message id. */
	public Map<String, Map<String, Object>> badRowsById() {
		try {
			Map<String, Map<String, Object>> byId = new HashMap<>();
			for (Map<String, Object> row : database().badRows(Integer.MAX_VALUE)) {
				byId.put((String) row.get("message_id"), row);
			}
			return byId;
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Reading the embedded store failed: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Waits until every id is stored as an event row, or fails naming how many are
	 * missing.
	 */
	public Map<String, Map<String, Object>> awaitEvents(Collection<String> ids, Duration timeout) {
		await(() -> eventsById().keySet().containsAll(ids), timeout, () -> "events missing: "
				+ ids.stream().filter((id) -> !eventsById().containsKey(id)).count() + " of " + ids.size());
		return eventsById();
	}

	/** Waits until every id has a bad row. */
	public Map<String, Map<String, Object>> awaitBadRows(Collection<String> ids, Duration timeout) {
		await(() -> badRowsById().keySet().containsAll(ids), timeout, () -> "bad rows missing for " + ids);
		return badRowsById();
	}

	/** Polls a condition until it holds or the timeout passes. */
	public static void await(BooleanSupplier condition, Duration timeout, java.util.function.Supplier<String> what) {
		long until = System.nanoTime() + timeout.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > until) {
				throw new AssertionError("Not within " + timeout + ": " + what.get());
			}
			try {
				Thread.sleep(100);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new AssertionError("Interrupted while waiting", ex);
			}
		}
	}

	/** Reads a test resource as UTF-8 text. */
	public static String resource(String path) {
		try (var in = PipelineApp.class.getResourceAsStream("/" + path)) {
			if (in == null) {
				throw new IllegalStateException("Test resource " + path + " is missing");
			}
			return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
		}
		catch (java.io.IOException ex) {
			throw new IllegalStateException("Cannot read test resource " + path, ex);
		}
	}

	/** The fixture LogEntries that are pixel hits, by file name. */
	public static final List<String> HIT_FIXTURES = List.of("cdn-cache-hit", "backend-response",
			"regional-lb-cloud-armor", "revalidated-304");

	@Override
	public void close() {
		this.context.close();
	}

}
