package dev.pixelpipeline.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.google.cloud.bigquery.storage.v1.AppendRowsRequest;
import com.google.cloud.bigquery.storage.v1.AppendRowsResponse;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteGrpc;
import com.google.cloud.bigquery.storage.v1.GetWriteStreamRequest;
import com.google.cloud.bigquery.storage.v1.WriteStream;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

/**
 * A stand-in for the BigQuery Storage Write API for load benchmarks, the partitioned layout's counterpart of
 * {@link FakeBigQueryServer}: plaintext gRPC on {@code 127.0.0.1:<grpcPort>}, answering every {@code AppendRows}
 * request with success a fixed latency after it arrived (in order on each connection, appends overlapping in time),
 * and {@code GET http://127.0.0.1:<statsHttpPort>/stats} → {@code {"calls":N,"rows":M}} (calls = AppendRows
 * requests; {@code POST /stats} resets). Rows are counted, not decoded. Table look-ups (tables.get) stay on
 * {@link FakeBigQueryServer}. Run with the project's runtime classpath:
 * <pre>
 * ./mvnw -q dependency:build-classpath -Dmdep.outputFile=target/runtime.classpath -Dmdep.includeScope=runtime
 * java -cp "$(cat target/runtime.classpath)" src/bench/java/dev/pixelpipeline/bench/FakeBigQueryWriteServer.java 9060 75 9061
 * </pre>
 */
public final class FakeBigQueryWriteServer {

	private final AtomicLong calls = new AtomicLong();

	private final AtomicLong rows = new AtomicLong();

	private final long latencyNanos;

	/**
	 * One thread sends every answer: due times on a connection only grow, and the scheduler runs tasks due at the
	 * same time in submission order, so each connection's answers keep the order of its requests.
	 */
	private final ScheduledExecutorService answers = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "fake-write-api-answers");
		thread.setDaemon(true);
		return thread;
	});

	private FakeBigQueryWriteServer(long latencyMillis) {
		this.latencyNanos = TimeUnit.MILLISECONDS.toNanos(latencyMillis);
	}

	public static void main(String[] args) throws IOException, InterruptedException {
		int grpcPort = (args.length > 0) ? Integer.parseInt(args[0]) : 9060;
		long latency = (args.length > 1) ? Long.parseLong(args[1]) : 75;
		int statsPort = (args.length > 2) ? Integer.parseInt(args[2]) : 9061;
		FakeBigQueryWriteServer fake = new FakeBigQueryWriteServer(latency);
		Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", grpcPort))
			.addService(fake.new Service())
			.build()
			.start();
		System.setProperty("sun.net.httpserver.nodelay", "true");
		HttpServer stats = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), statsPort), 64);
		stats.createContext("/stats", fake::stats);
		stats.start();
		System.out.println("fake Storage Write API on 127.0.0.1:" + grpcPort + " answering appends after " + latency
				+ " ms; stats on http://127.0.0.1:" + statsPort + "/stats");
		server.awaitTermination();
	}

	private void stats(HttpExchange exchange) throws IOException {
		try (exchange) {
			exchange.getRequestBody().readAllBytes();
			if ("POST".equals(exchange.getRequestMethod())) {
				this.calls.set(0);
				this.rows.set(0);
			}
			byte[] bytes = ("{\"calls\":" + this.calls.get() + ",\"rows\":" + this.rows.get() + "}")
				.getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
			exchange.sendResponseHeaders(200, bytes.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(bytes);
			}
		}
	}

	private final class Service extends BigQueryWriteGrpc.BigQueryWriteImplBase {

		@Override
		public void getWriteStream(GetWriteStreamRequest request, StreamObserver<WriteStream> response) {
			response.onNext(WriteStream.newBuilder()
				.setName(request.getName())
				.setType(WriteStream.Type.COMMITTED)
				.setLocation("US")
				.build());
			response.onCompleted();
		}

		@Override
		public StreamObserver<AppendRowsRequest> appendRows(StreamObserver<AppendRowsResponse> response) {
			return new StreamObserver<>() {

				private String stream = "";

				@Override
				public void onNext(AppendRowsRequest request) {
					long arrived = System.nanoTime();
					if (!request.getWriteStream().isEmpty()) {
						this.stream = request.getWriteStream();
					}
					FakeBigQueryWriteServer.this.calls.incrementAndGet();
					FakeBigQueryWriteServer.this.rows.addAndGet(request.getProtoRows().getRows().getSerializedRowsCount());
					AppendRowsResponse answer = AppendRowsResponse.newBuilder()
						.setWriteStream(this.stream)
						.setAppendResult(AppendRowsResponse.AppendResult.newBuilder())
						.build();
					FakeBigQueryWriteServer.this.answers.schedule(() -> response.onNext(answer),
							arrived + FakeBigQueryWriteServer.this.latencyNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
				}

				@Override
				public void onError(Throwable error) {
				}

				@Override
				public void onCompleted() {
					FakeBigQueryWriteServer.this.answers.schedule(response::onCompleted,
							FakeBigQueryWriteServer.this.latencyNanos, TimeUnit.NANOSECONDS);
				}

			};
		}

	}

}
