package dev.pixelpipeline.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import com.google.cloud.bigquery.storage.v1.AppendRowsRequest;
import com.google.cloud.bigquery.storage.v1.AppendRowsResponse;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteGrpc;
import com.google.cloud.bigquery.storage.v1.GetWriteStreamRequest;
import com.google.cloud.bigquery.storage.v1.RowError;
import com.google.cloud.bigquery.storage.v1.TableFieldSchema;
import com.google.cloud.bigquery.storage.v1.TableSchema;
import com.google.cloud.bigquery.storage.v1.WriteStream;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.pixelpipeline.store.Column;
import dev.pixelpipeline.store.RowSchema;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * A stand-in for the Storage Write API ({@code BigQueryWrite}, gRPC, plaintext, on a free
 * loopback port) as {@code StreamWriter} uses it on a table's default stream:
 * {@code GetWriteStream} answers with the table schema from {@link RowSchema}, and
 * {@code AppendRows} answers each append of a connection in order, each after the latency
 * from its arrival (so appends overlap in time), decoding the proto rows with the writer
 * schema the connection's first request carries. Rows of a successful append are
 * committed; an append that fails commits nothing, as on BigQuery.
 *
 * <p>
 * Faults, scripted ({@link #answerNext}) or at a seeded rate ({@link #faultRate}): an
 * in-stream {@code UNAVAILABLE} or {@code INTERNAL}, a stream closed by the server, an
 * answer slower than the push deadline, a missing table; and per-row errors
 * ({@link #rejectRows}) answered as {@code row_errors} with {@code INVALID_ARGUMENT}. The
 * REST side (tables.get, tables.insert) stays on {@link BigQueryServer}.
 */
public final class BigQueryWriteServer implements AutoCloseable {

	/** What the server does with one append. */
	public record Answer(String kind, Status.Code code, Duration delay) {

		/** Commit the rows (unless some are rejected). */
		public static Answer ok() {
			return new Answer("ok", Status.Code.OK, Duration.ZERO);
		}

		/** An in-stream error with this code; the connection stays open. */
		public static Answer error(Status.Code code) {
			return new Answer("error", code, Duration.ZERO);
		}

		/** An in-stream UNAVAILABLE. */
		public static Answer unavailable() {
			return error(Status.Code.UNAVAILABLE);
		}

		/** An in-stream INTERNAL. */
		public static Answer internal() {
			return error(Status.Code.INTERNAL);
		}

		/**
		 * The server ends the connection with ABORTED instead of answering; appends in
		 * flight on it are not committed. The client reconnects by itself and sends them
		 * again (it does so for ABORTED, UNAVAILABLE, CANCELLED, INTERNAL and
		 * DEADLINE_EXCEEDED).
		 */
		public static Answer closeStream() {
			return closeStream(Status.Code.ABORTED);
		}

		/**
		 * The server ends the connection with this code instead of answering. With a code
		 * the client does not reconnect on (such as RESOURCE_EXHAUSTED), its stream
		 * writer is closed for good: appends in flight fail with the code, later ones
		 * with {@code StreamWriterClosedException}.
		 */
		public static Answer closeStream(Status.Code code) {
			return new Answer("close", code, Duration.ZERO);
		}

		/** Commits, but answers only after this long. */
		public static Answer slow(Duration delay) {
			return new Answer("ok", Status.Code.OK, delay);
		}

		@Override
		public String toString() {
			return this.kind + ((this.code != Status.Code.OK) ? " " + this.code : "")
					+ (this.delay.isZero() ? "" : " after " + this.delay.toMillis() + " ms");
		}

	}

	/**
	 * One append as received.
	 *
	 * @param stream the stream named by the connection
	 * @param rows the decoded rows, field name to value (strings and longs)
	 * @param answer what the server did
	 * @param committed whether its rows were committed
	 * @param receivedAt when it arrived
	 */
	public record Append(String stream, List<Map<String, Object>> rows, String answer, boolean committed,
			Instant receivedAt) {
	}

	private final Server server;

	private final RowSchema schema;

	private final Object lock = new Object();

	private final List<Append> appends = new ArrayList<>();

	private final Map<String, Integer> commits = new LinkedHashMap<>();

	private final Deque<Answer> scripted = new ArrayDeque<>();

	private final Set<String> missingTables = ConcurrentHashMap.newKeySet();

	private final AtomicInteger connections = new AtomicInteger();

	private final AtomicInteger getWriteStreamCalls = new AtomicInteger();

	private volatile Duration latency = Duration.ZERO;

	private volatile Predicate<Map<String, Object>> invalid;

	private double faultRate;

	private Answer[] faults;

	private Random random;

	private BigQueryWriteServer(RowSchema schema) {
		this.schema = schema;
		this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
			.addService(new Service())
			.build();
		try {
			this.server.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start the Storage Write API stand-in", ex);
		}
	}

	/** Starts a server on a free loopback port for tables of this schema. */
	public static BigQueryWriteServer start(RowSchema schema) {
		return new BigQueryWriteServer(schema);
	}

	/** {@code 127.0.0.1:port}, the value of {@code pipeline.bigquery.write-api-host}. */
	public String hostPort() {
		return "127.0.0.1:" + this.server.getPort();
	}

	/** Every append is answered this long after it arrived (in order per connection). */
	public void latency(Duration latency) {
		this.latency = latency;
	}

	/** Answers the next appends with these, in order, then goes back to ok. */
	public void answerNext(Answer... answers) {
		synchronized (this.lock) {
			this.scripted.addAll(List.of(answers));
		}
	}

	/**
	 * Answers a share of the appends (after scripted ones) with one of the faults, picked
	 * from a seeded generator so that a failing run can be repeated.
	 */
	public void faultRate(double rate, long seed, Answer... faults) {
		synchronized (this.lock) {
			this.faultRate = rate;
			this.faults = faults.clone();
			this.random = new Random(seed);
		}
	}

	/** Rows matching this are refused with a row error (the rest of their append too). */
	public void rejectRows(Predicate<Map<String, Object>> invalid) {
		this.invalid = invalid;
	}

	/** The table no longer exists: GetWriteStream and appends answer NOT_FOUND. */
	public void dropTable(String table) {
		this.missingTables.add(table);
	}

	/** Every append so far, in order of arrival. */
	public List<Append> appends() {
		synchronized (this.lock) {
			return List.copyOf(this.appends);
		}
	}

	/** How many times each message_id was committed. */
	public Map<String, Integer> commitsByMessageId() {
		synchronized (this.lock) {
			return Map.copyOf(this.commits);
		}
	}

	/** Whether a row with this message_id is committed. */
	public boolean isCommitted(String messageId) {
		synchronized (this.lock) {
			return this.commits.containsKey(messageId);
		}
	}

	/** How many AppendRows connections were opened. */
	public int connections() {
		return this.connections.get();
	}

	/** How many GetWriteStream calls were answered. */
	public int getWriteStreamCalls() {
		return this.getWriteStreamCalls.get();
	}

	/** The table schema as GetWriteStream gives it. */
	public TableSchema tableSchema() {
		TableSchema.Builder table = TableSchema.newBuilder();
		for (Column column : this.schema.columns()) {
			table.addFields(TableFieldSchema.newBuilder()
				.setName(column.name())
				.setType(storageType(column.type()))
				.setMode(column.required() ? TableFieldSchema.Mode.REQUIRED : TableFieldSchema.Mode.NULLABLE));
		}
		return table.build();
	}

	/** A column type as the Storage Write API's table schema names it. */
	public static TableFieldSchema.Type storageType(Column.Type type) {
		return switch (type) {
			case STRING -> TableFieldSchema.Type.STRING;
			case TIMESTAMP -> TableFieldSchema.Type.TIMESTAMP;
			case INTEGER -> TableFieldSchema.Type.INT64;
			case BOOLEAN -> TableFieldSchema.Type.BOOL;
		};
	}

	@Override
	public void close() {
		this.server.shutdownNow();
		try {
			this.server.awaitTermination(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private Answer nextAnswer() {
		Answer answer = this.scripted.poll();
		if (answer == null && this.random != null && this.random.nextDouble() < this.faultRate) {
			answer = this.faults[this.random.nextInt(this.faults.length)];
		}
		return (answer != null) ? answer : Answer.ok();
	}

	private static String tableOf(String stream) {
		// projects/p/datasets/d/tables/t[/streams/s]
		String[] parts = stream.split("/");
		return (parts.length >= 6) ? parts[5] : stream;
	}

	private final class Service extends BigQueryWriteGrpc.BigQueryWriteImplBase {

		@Override
		public void getWriteStream(GetWriteStreamRequest request, StreamObserver<WriteStream> response) {
			BigQueryWriteServer.this.getWriteStreamCalls.incrementAndGet();
			String table = tableOf(request.getName());
			if (BigQueryWriteServer.this.missingTables.contains(table)) {
				response.onError(Status.NOT_FOUND.withDescription("Not found: table " + table).asRuntimeException());
				return;
			}
			response.onNext(WriteStream.newBuilder()
				.setName(request.getName())
				.setType(WriteStream.Type.COMMITTED)
				.setLocation("US")
				.setTableSchema(tableSchema())
				.build());
			response.onCompleted();
		}

		@Override
		public StreamObserver<AppendRowsRequest> appendRows(StreamObserver<AppendRowsResponse> response) {
			BigQueryWriteServer.this.connections.incrementAndGet();
			return new Connection((ServerCallStreamObserver<AppendRowsResponse>) response);
		}

	}

	/**
	 * One AppendRows connection: answers go out on one thread, each at the later of its
	 * own due time and the previous answer's, so they stay in order.
	 */
	private final class Connection implements StreamObserver<AppendRowsRequest> {

		private final ServerCallStreamObserver<AppendRowsResponse> response;

		private final ScheduledExecutorService answers = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "write-stand-in-answers");
			thread.setDaemon(true);
			return thread;
		});

		private String stream;

		private Descriptors.Descriptor descriptor;

		private long lastDueNanos;

		private boolean closed;

		/**
		 * Appends received and not yet answered, so that those the client abandons (it
		 * closes the connection first) are still on record.
		 */
		private final Map<Object, Append> unanswered = new LinkedHashMap<>();

		Connection(ServerCallStreamObserver<AppendRowsResponse> response) {
			this.response = response;
		}

		@Override
		public void onNext(AppendRowsRequest request) {
			if (!request.getWriteStream().isEmpty()) {
				this.stream = request.getWriteStream();
			}
			if (request.getProtoRows().hasWriterSchema()) {
				this.descriptor = descriptor(request);
			}
			Instant receivedAt = Instant.now();
			List<Map<String, Object>> rows = decode(request.getProtoRows().getRows().getSerializedRowsList());
			Answer answer;
			synchronized (BigQueryWriteServer.this.lock) {
				answer = nextAnswer();
			}
			long due = Math.max(System.nanoTime() + BigQueryWriteServer.this.latency.plus(answer.delay()).toNanos(),
					this.lastDueNanos);
			this.lastDueNanos = due;
			Object key = new Object();
			synchronized (BigQueryWriteServer.this.lock) {
				this.unanswered.put(key, new Append(this.stream, rows,
						answer + ", unanswered: the client closed the connection first", false, receivedAt));
			}
			this.answers.schedule(() -> answer(key, rows, answer, receivedAt), due - System.nanoTime(),
					TimeUnit.NANOSECONDS);
		}

		private void answer(Object key, List<Map<String, Object>> rows, Answer answer, Instant receivedAt) {
			synchronized (BigQueryWriteServer.this.lock) {
				if (this.closed) {
					return;
				}
				this.unanswered.remove(key);
			}
			String table = tableOf(this.stream);
			AppendRowsResponse.Builder reply = AppendRowsResponse.newBuilder().setWriteStream(this.stream);
			boolean committed = false;
			String what = answer.toString();
			synchronized (BigQueryWriteServer.this.lock) {
				if (BigQueryWriteServer.this.missingTables.contains(table)) {
					what = "error NOT_FOUND";
					reply.setError(com.google.rpc.Status.newBuilder()
						.setCode(Status.Code.NOT_FOUND.value())
						.setMessage("Not found: table " + table));
				}
				else if ("close".equals(answer.kind())) {
					BigQueryWriteServer.this.appends.add(new Append(this.stream, rows, what, false, receivedAt));
					this.closed = true;
					this.response.onError(Status.fromCode(answer.code())
						.withDescription("Injected: the server closed the stream")
						.asRuntimeException());
					return;
				}
				else if ("error".equals(answer.kind())) {
					reply.setError(com.google.rpc.Status.newBuilder()
						.setCode(answer.code().value())
						.setMessage("Injected " + answer.code()));
				}
				else {
					Predicate<Map<String, Object>> rejects = BigQueryWriteServer.this.invalid;
					for (int i = 0; rejects != null && i < rows.size(); i++) {
						if (rejects.test(rows.get(i))) {
							reply.addRowErrors(RowError.newBuilder()
								.setIndex(i)
								.setCode(RowError.RowErrorCode.FIELDS_ERROR)
								.setMessage("Injected invalid value in row " + i));
						}
					}
					if (reply.getRowErrorsCount() > 0) {
						what = "row errors " + reply.getRowErrorsCount();
						reply.setError(com.google.rpc.Status.newBuilder()
							.setCode(Status.Code.INVALID_ARGUMENT.value())
							.setMessage("Errors found in rows of the append"));
					}
					else {
						committed = true;
						for (Map<String, Object> row : rows) {
							BigQueryWriteServer.this.commits.merge(String.valueOf(row.get("message_id")), 1,
									Integer::sum);
						}
						reply.setAppendResult(AppendRowsResponse.AppendResult.newBuilder());
					}
				}
				BigQueryWriteServer.this.appends.add(new Append(this.stream, rows, what, committed, receivedAt));
			}
			this.response.onNext(reply.build());
		}

		@Override
		public void onError(Throwable error) {
			synchronized (BigQueryWriteServer.this.lock) {
				this.closed = true;
				BigQueryWriteServer.this.appends.addAll(this.unanswered.values());
				this.unanswered.clear();
			}
			this.answers.shutdownNow();
		}

		@Override
		public void onCompleted() {
			// Answer what is scheduled, then close.
			this.answers.schedule(() -> {
				if (!this.closed) {
					this.closed = true;
					this.response.onCompleted();
				}
				this.answers.shutdown();
			}, Math.max(0, this.lastDueNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
		}

		private Descriptors.Descriptor descriptor(AppendRowsRequest request) {
			try {
				FileDescriptorProto file = FileDescriptorProto.newBuilder()
					.setName("writer_schema.proto")
					.addMessageType(request.getProtoRows().getWriterSchema().getProtoDescriptor())
					.build();
				Descriptors.FileDescriptor built = Descriptors.FileDescriptor.buildFrom(file,
						new Descriptors.FileDescriptor[0]);
				return built.getMessageTypes().get(0);
			}
			catch (Descriptors.DescriptorValidationException ex) {
				throw Status.INVALID_ARGUMENT.withDescription("Invalid writer schema: " + ex.getMessage())
					.asRuntimeException();
			}
		}

		private List<Map<String, Object>> decode(List<ByteString> serialized) {
			List<Map<String, Object>> rows = new ArrayList<>(serialized.size());
			for (ByteString bytes : serialized) {
				try {
					DynamicMessage message = DynamicMessage.parseFrom(this.descriptor, bytes);
					Map<String, Object> row = new LinkedHashMap<>();
					message.getAllFields().forEach((field, value) -> row.put(field.getName(), value));
					rows.add(row);
				}
				catch (InvalidProtocolBufferException ex) {
					throw Status.INVALID_ARGUMENT.withDescription("Undecodable row: " + ex.getMessage())
						.asRuntimeException();
				}
			}
			return rows;
		}

	}

}
