package dev.pixelpipeline.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in for the BigQuery REST API for load benchmarks: answers every {@code insertAll} with success after a
 * fixed latency (BigQuery's typical 75 ms by default), answers dataset and table look-ups, and counts calls and
 * rows ({@code GET /stats}). JDK only, so it runs as a single source file:
 * {@code java src/bench/java/dev/pixelpipeline/bench/FakeBigQueryServer.java 9050 75 [schema.json]} from the project
 * root (the schema defaults to the pipeline's own).
 */
public final class FakeBigQueryServer {

	private static final Pattern DATASET = Pattern.compile("/bigquery/v2/projects/([^/]+)/datasets/([^/?]+)");

	private static final Pattern TABLE = Pattern
		.compile("/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/([^/?]+)");

	/**
	 * The table schema it reports by default: the pipeline's own (RowSchema with the default attributes, kept equal
	 * to it by a test), read from the working directory, the project root.
	 */
	private static final String DEFAULT_SCHEMA = "src/main/resources/bigquery/pixel-template-schema.json";

	private static final byte[] ROW_KEY = "\"json\":".getBytes(StandardCharsets.US_ASCII);

	private final AtomicLong calls = new AtomicLong();

	private final AtomicLong rows = new AtomicLong();

	private final long latencyMillis;

	private final String fields;

	private FakeBigQueryServer(long latencyMillis, String fields) {
		this.latencyMillis = latencyMillis;
		this.fields = fields;
	}

	public static void main(String[] args) throws IOException {
		int port = (args.length > 0) ? Integer.parseInt(args[0]) : 9050;
		long latency = (args.length > 1) ? Long.parseLong(args[1]) : 75;
		String schema = Files.readString(Path.of((args.length > 2) ? args[2] : DEFAULT_SCHEMA)).strip();
		Matcher m = Pattern.compile("\"fields\"\\s*:\\s*(\\[.*\\])", Pattern.DOTALL).matcher(schema);
		String fields = m.find() ? m.group(1) : schema;
		// Without TCP_NODELAY the server's separate header and body writes meet the client's delayed ACK (Nagle),
		// which adds up to 40 ms to an answer: that would be measured as insert latency.
		System.setProperty("sun.net.httpserver.nodelay", "true");
		FakeBigQueryServer fake = new FakeBigQueryServer(latency, fields);
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
		// Blocking sleeps, one thread per in-flight call: the sink has only a few calls in flight at a time.
		server.setExecutor(Executors.newFixedThreadPool(64));
		server.createContext("/", fake::handle);
		server.start();
		System.out.println("fake BigQuery on http://127.0.0.1:" + port + " answering insertAll after " + latency
				+ " ms");
	}

	private void handle(HttpExchange exchange) throws IOException {
		// The answer goes out a fixed latency after the request arrived: the time spent reading, gunzipping and
		// counting the body is part of that latency, not added to it.
		long arrived = System.nanoTime();
		try (exchange) {
			String path = exchange.getRequestURI().getPath();
			byte[] body;
			// The Google API client gzips request bodies unless told not to.
			boolean gzip = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"));
			try (InputStream in = gzip ? new GZIPInputStream(exchange.getRequestBody()) : exchange.getRequestBody()) {
				body = in.readAllBytes();
			}
			if (path.equals("/stats")) {
				if ("POST".equals(exchange.getRequestMethod())) {
					this.calls.set(0);
					this.rows.set(0);
				}
				respond(exchange, 200, "{\"calls\":" + this.calls.get() + ",\"rows\":" + this.rows.get() + "}");
				return;
			}
			if (path.endsWith("/insertAll")) {
				this.calls.incrementAndGet();
				this.rows.addAndGet(count(body, ROW_KEY));
				sleepUntil(arrived + this.latencyMillis * 1_000_000);
				respond(exchange, 200, "{\"kind\":\"bigquery#tableDataInsertAllResponse\"}");
				return;
			}
			Matcher table = TABLE.matcher(path);
			if (table.matches()) {
				respond(exchange, 200, "{\"kind\":\"bigquery#table\",\"id\":\"" + table.group(1) + ":" + table.group(2)
						+ "." + table.group(3) + "\",\"tableReference\":{\"projectId\":\"" + table.group(1)
						+ "\",\"datasetId\":\"" + table.group(2) + "\",\"tableId\":\"" + table.group(3)
						+ "\"},\"type\":\"TABLE\",\"schema\":{\"fields\":" + this.fields + "},"
						// The partitioned layout's health check asks for the partitioning.
						+ "\"timePartitioning\":{\"type\":\"DAY\",\"field\":\"event_time\"}}");
				return;
			}
			Matcher dataset = DATASET.matcher(path);
			if (dataset.matches()) {
				respond(exchange, 200, "{\"kind\":\"bigquery#dataset\",\"id\":\"" + dataset.group(1) + ":"
						+ dataset.group(2) + "\",\"datasetReference\":{\"projectId\":\"" + dataset.group(1)
						+ "\",\"datasetId\":\"" + dataset.group(2) + "\"}}");
				return;
			}
			respond(exchange, 404, "{\"error\":{\"code\":404,\"message\":\"Not found: " + path
					+ "\",\"errors\":[{\"reason\":\"notFound\",\"message\":\"Not found\"}],\"status\":\"NOT_FOUND\"}}");
		}
	}

	private static long count(byte[] haystack, byte[] needle) {
		long found = 0;
		outer: for (int i = 0; i <= haystack.length - needle.length; i++) {
			for (int j = 0; j < needle.length; j++) {
				if (haystack[i + j] != needle[j]) {
					continue outer;
				}
			}
			found++;
		}
		return found;
	}

	private static void sleepUntil(long nanoTime) {
		try {
			java.util.concurrent.TimeUnit.NANOSECONDS.sleep(nanoTime - System.nanoTime());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void respond(HttpExchange exchange, int status, String json) throws IOException {
		byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
		exchange.sendResponseHeaders(status, bytes.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(bytes);
		}
	}

}
