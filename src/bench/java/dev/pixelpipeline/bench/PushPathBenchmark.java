package dev.pixelpipeline.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.pixelpipeline.ingest.Delivery;
import dev.pixelpipeline.ingest.PushEnvelopeDecoder;
import dev.pixelpipeline.parse.HitParser;
import dev.pixelpipeline.parse.ParseResult;
import dev.pixelpipeline.parse.ParserSettings;
import dev.pixelpipeline.parse.QueryString;
import dev.pixelpipeline.parse.RequestUrl;
import dev.pixelpipeline.store.EventRow;
import dev.pixelpipeline.store.EventRowFactory;
import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.store.TableNamer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU path of one push without HTTP and without the store: body bytes to the {@link EventRow} handed to the
 * sink, with the production defaults (three attributes, suffix {@code _{user_id}_{date}}, IP anonymised). The input
 * is the wrapped push fixture (a 1.4 KB load balancer LogEntry, 2.1 KB as a push body) and the same LogEntry as an
 * unwrapped push with metadata headers.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = { "-Xms256m", "-Xmx256m" })
@Threads(1)
public class PushPathBenchmark {

	private static final List<String> ATTRIBUTES = List.of("user_id", "order_id", "type");

	private final HitParser parser = new HitParser(ParserSettings.of("/pixel.png", ATTRIBUTES, true, false));

	private final EventRowFactory rows = new EventRowFactory(
			new TableNamer("pixel", "_{user_id}_{date}", ATTRIBUTES), RowSchema.of(ATTRIBUTES));

	private final Instant receivedAt = Instant.parse("2026-10-04T09:15:23.500Z");

	private byte[] wrappedBody;

	private byte[] logEntry;

	private Map<String, String> unwrappedHeaders;

	private String query;

	@Setup
	public void load() {
		this.wrappedBody = fixture("push-wrapped.json");
		this.logEntry = fixture("cdn-cache-hit.json");
		this.unwrappedHeaders = Map.of(PushEnvelopeDecoder.MESSAGE_ID_HEADER, "13579246801",
				PushEnvelopeDecoder.PUBLISH_TIME_HEADER, "2026-10-04T09:15:23.118Z",
				PushEnvelopeDecoder.SUBSCRIPTION_HEADER, "projects/example-project/subscriptions/pixel-push");
		this.query = RequestUrl.parse(
				"https://track.example.com/pixel.png?user_id=5f2b8c1e9a7d3e4f6a1b2c3d&order_id=A-10023&type=purchase")
			.query();
		// Fail fast if the fixtures stop being hits: a benchmark of the poison path would mislead.
		try {
			wrapped();
			unwrapped();
		}
		catch (PushEnvelopeDecoder.NotADeliveryException ex) {
			throw new IllegalStateException("fixture is not a delivery", ex);
		}
	}

	/** Wrapped push body (JSON envelope, base64 data) to row. */
	@Benchmark
	public EventRow wrapped() throws PushEnvelopeDecoder.NotADeliveryException {
		return row(PushEnvelopeDecoder.decode(this.wrappedBody, Map.of()));
	}

	/** Unwrapped push body (the LogEntry itself, metadata in headers) to row. */
	@Benchmark
	public EventRow unwrapped() throws PushEnvelopeDecoder.NotADeliveryException {
		return row(PushEnvelopeDecoder.decode(this.logEntry, this.unwrappedHeaders));
	}

	/** The whitelisted query parameters of the fixture's URL. */
	@Benchmark
	public Map<String, String> queryString() {
		return QueryString.extract(this.query, ATTRIBUTES, 1024, 100);
	}

	private EventRow row(Delivery delivery) {
		ParseResult result = this.parser.parse(delivery.message(), this.receivedAt);
		if (!(result instanceof ParseResult.Hit hit)) {
			throw new IllegalStateException("fixture did not parse as a hit: " + result);
		}
		return this.rows.row(hit.event(), this.receivedAt);
	}

	private static byte[] fixture(String name) {
		try (InputStream in = PushPathBenchmark.class.getResourceAsStream("/fixtures/" + name)) {
			if (in == null) {
				throw new IllegalStateException("fixture " + name + " is not on the classpath");
			}
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot read fixture " + name, ex);
		}
	}

}
