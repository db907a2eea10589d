package dev.pixelpipeline.support;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * A stand-in for the BigQuery REST API (v2) on WireMock, for tests that run the real
 * BigQuery client against it.
 *
 * <p>
 * It answers the calls the pipeline makes: {@code GET} dataset and table, {@code POST}
 * table (create), and {@code tabledata.insertAll} (request bodies are gzip-compressed by
 * the client; this server decodes them). By default the dataset {@value #DATASET} and the
 * template table {@value #TEMPLATE} exist and every insert succeeds. Tests then script
 * answers ({@link #answerNext}, {@link #answerAlways}, {@link #faultRate}; an
 * {@link Answer#hang() insert that hangs}), reject rows by content ({@link #rejectRows}:
 * those rows get {@code invalid}, the others of the request {@code stopped}, nothing is
 * kept, as BigQuery does), drop tables, and read back what arrived ({@link #insertAlls})
 * and what was committed ({@link #committedInsertIds}, {@link #commitsByInsertId}).
 *
 * <p>
 * A row is committed when an insert that carried it is answered success without an error
 * for that row, even if the answer is delayed past the client's patience, as with
 * BigQuery. Use {@link #properties()} for the Spring properties that point the pipeline
 * at this server.
 */
public final class BigQueryServer implements AutoCloseable {

	/** The project the pipeline is pointed at. */
	public static final String PROJECT = "test-project";

	/** The dataset that exists by default. */
	public static final String DATASET = "pixel_tracking";

	/** The template table that exists by default. */
	public static final String TEMPLATE = "pixel";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** How the server answers one insertAll request. */
	public static final class Answer {

		private final int status;

		private final String reason;

		private final Fault fault;

		private final Duration delay;

		private final boolean hang;

		private Answer(int status, String reason, Fault fault, Duration delay) {
			this(status, reason, fault, delay, false);
		}

		private Answer(int status, String reason, Fault fault, Duration delay, boolean hang) {
			this.status = status;
			this.reason = reason;
			this.fault = fault;
			this.delay = delay;
			this.hang = hang;
		}

		/**
		 * Success: every row is committed (unless {@link #rejectRows} says otherwise).
		 */
		public static Answer ok() {
			return new Answer(200, null, null, Duration.ZERO);
		}

		/**
		 * A whole-request error with BigQuery's error body, such as 503
		 * {@code backendError}.
		 */
		public static Answer error(int status, String reason) {
			return new Answer(status, reason, null, Duration.ZERO);
		}

		/** 503 {@code backendError}. */
		public static Answer backendError() {
			return error(503, "backendError");
		}

		/** 429 {@code rateLimitExceeded}. */
		public static Answer rateLimited() {
			return error(429, "rateLimitExceeded");
		}

		/** 404 {@code notFound}, as for a missing table or dataset. */
		public static Answer notFound() {
			return error(404, "notFound");
		}

		/** 403 {@code accessDenied}. */
		public static Answer accessDenied() {
			return error(403, "accessDenied");
		}

		/** The connection is reset without an answer; nothing is committed. */
		public static Answer droppedConnection() {
			return new Answer(0, null, Fault.CONNECTION_RESET_BY_PEER, Duration.ZERO);
		}

		/**
		 * No answer at all while the test runs: the request is held until
		 * {@link BigQueryServer#reset()} or {@link BigQueryServer#close()}, then answered
		 * 503 {@code backendError}; nothing is committed. The client sees an insert that
		 * hangs until its read timeout.
		 */
		public static Answer hang() {
			return new Answer(503, "backendError", null, Duration.ZERO, true);
		}

		/**
		 * This answer, sent only after the delay (rows of a success are committed all the
		 * same).
		 */
		public Answer after(Duration delay) {
			return new Answer(this.status, this.reason, this.fault, delay);
		}

		boolean isSuccess() {
			return this.fault == null && this.status == 200;
		}

		@Override
		public String toString() {
			if (this.hang) {
				return "hang";
			}
			return (this.fault != null) ? this.fault.name()
					: this.status + ((this.reason != null) ? " " + this.reason : "")
							+ (this.delay.isZero() ? "" : " after " + this.delay);
		}

	}

	/**
	 * One insertAll request as it arrived.
	 *
	 * @param table the table in the URL (the template when a suffix is used)
	 * @param templateSuffix the {@code templateSuffix}, or {@code null}
	 * @param rows the rows
	 * @param answer how it was answered
	 * @param receivedAt when it arrived
	 */
	public record InsertAll(String table, String templateSuffix, List<Row> rows, String answer, Instant receivedAt) {

		/** The table the rows are meant for: table plus suffix. */
		public String targetTable() {
			return this.table + ((this.templateSuffix != null) ? this.templateSuffix : "");
		}

	}

	/**
	 * One row of an insertAll request.
	 *
	 * @param insertId its {@code insertId}
	 * @param json its {@code json} object
	 */
	public record Row(String insertId, Map<String, Object> json) {
	}

	private final WireMockServer server;

	private final Object lock = new Object();

	private final List<InsertAll> insertAlls = new ArrayList<>();

	private final Map<String, Integer> commits = new LinkedHashMap<>();

	private final Map<String, Map<String, Object>> tables = new ConcurrentHashMap<>();

	private final Set<String> createdTables = Collections.synchronizedSet(new LinkedHashSet<>());

	private final Set<String> projects = ConcurrentHashMap.newKeySet();

	private final Deque<Answer> scripted = new ArrayDeque<>();

	private volatile CountDownLatch hanging = new CountDownLatch(1);

	private volatile boolean datasetExists;

	private volatile Answer always;

	private volatile Predicate<Row> invalid;

	private double faultRate;

	private Answer[] faults;

	private Random random;

	private BigQueryServer() {
		this.server = new WireMockServer(WireMockConfiguration.options()
			.bindAddress("127.0.0.1")
			.dynamicPort()
			.containerThreads(200)
			.jettyAcceptQueueSize(1000)
			.asynchronousResponseEnabled(true)
			.asynchronousResponseThreads(16)
			.extensions(new Responder()));
		this.server.start();
		this.server.stubFor(WireMock.any(WireMock.urlPathMatching("/.*")).willReturn(WireMock.aResponse()));
		reset();
	}

	/**
	 * Starts a server on a free loopback port, with the dataset and template table
	 * present.
	 */
	public static BigQueryServer start() {
		return new BigQueryServer();
	}

	/** The endpoint, for {@code pipeline.bigquery.host}. */
	public String host() {
		return "http://127.0.0.1:" + this.server.port();
	}

	/**
	 * The properties that point the pipeline at this server, with
	 * {@code pipeline.sink=bigquery}.
	 */
	public Map<String, String> properties() {
		return Map.of("pipeline.sink", "bigquery", "pipeline.bigquery.host", host(), "pipeline.bigquery.project-id",
				PROJECT, "pipeline.bigquery.dataset", DATASET);
	}

	/**
	 * Back to the start: dataset and template present, every insert succeeds, nothing
	 * received or committed.
	 */
	public void reset() {
		releaseHanging();
		synchronized (this.lock) {
			this.insertAlls.clear();
			this.commits.clear();
			this.scripted.clear();
			this.faultRate = 0;
			this.faults = null;
			this.random = null;
		}
		this.tables.clear();
		this.createdTables.clear();
		this.projects.clear();
		this.tables.put(TEMPLATE, tableResource(TEMPLATE, templateSchema()));
		this.datasetExists = true;
		this.always = Answer.ok();
		this.invalid = null;
		this.server.resetRequests();
	}

	/**
	 * The template table (or any table) no longer exists: GET answers 404, and so do
	 * inserts into it.
	 */
	public void dropTable(String table) {
		this.tables.remove(table);
	}

	/**
	 * The template table as an older pipeline made it: its schema without these columns.
	 */
	@SuppressWarnings("unchecked")
	public void templateWithout(String... columns) {
		Set<String> dropped = Set.of(columns);
		List<Object> fields = templateSchema().stream()
			.filter((field) -> !dropped.contains(((Map<String, Object>) field).get("name")))
			.toList();
		this.tables.put(TEMPLATE, tableResource(TEMPLATE, fields));
	}

	/** The dataset no longer exists. */
	public void dropDataset() {
		this.datasetExists = false;
	}

	/**
	 * The projects named in the request paths so far (the server answers for any
	 * project).
	 */
	public Set<String> projects() {
		return Set.copyOf(this.projects);
	}

	/** Tables created with {@code tables.insert}, by name, in order. */
	public List<String> createdTables() {
		synchronized (this.createdTables) {
			return List.copyOf(this.createdTables);
		}
	}

	/**
	 * The resource of a table as last created or present ({@code schema},
	 * {@code timePartitioning}, …).
	 */
	public Map<String, Object> table(String table) {
		return this.tables.get(table);
	}

	/**
	 * Answers the next insertAll requests with these, in order, then goes back to the
	 * usual answers.
	 */
	public void answerNext(Answer... answers) {
		synchronized (this.lock) {
			this.scripted.addAll(List.of(answers));
		}
	}

	/** Answers every insertAll request (after any scripted ones) with this. */
	public void answerAlways(Answer answer) {
		this.always = answer;
	}

	/**
	 * Answers a share of the insertAll requests (after scripted ones) with one of the
	 * faults, picked at random from a seeded generator so a failing run can be repeated.
	 */
	public void faultRate(double rate, long seed, Answer... faults) {
		synchronized (this.lock) {
			this.faultRate = rate;
			this.faults = faults.clone();
			this.random = new Random(seed);
		}
	}

	/**
	 * Rows matching the predicate are refused as {@code invalid}; the other rows of the
	 * same request are {@code stopped} and not kept, as BigQuery does without
	 * {@code skipInvalidRows}.
	 */
	public void rejectRows(Predicate<Row> invalid) {
		this.invalid = invalid;
	}

	/** Every insertAll request received so far, in order. */
	public List<InsertAll> insertAlls() {
		synchronized (this.lock) {
			return List.copyOf(this.insertAlls);
		}
	}

	/** How many insertAll requests arrived. */
	public int insertAllCount() {
		synchronized (this.lock) {
			return this.insertAlls.size();
		}
	}

	/**
	 * How often each insertId arrived, over all insertAll requests (whatever they were
	 * answered).
	 */
	public Map<String, Integer> insertIdsReceived() {
		Map<String, Integer> counts = new HashMap<>();
		for (InsertAll request : insertAlls()) {
			for (Row row : request.rows()) {
				counts.merge(row.insertId(), 1, Integer::sum);
			}
		}
		return counts;
	}

	/** The distinct insertIds of committed rows. */
	public Set<String> committedInsertIds() {
		synchronized (this.lock) {
			return Set.copyOf(this.commits.keySet());
		}
	}

	/**
	 * How often each insertId was committed (more than once means BigQuery would have had
	 * to deduplicate it).
	 */
	public Map<String, Integer> commitsByInsertId() {
		synchronized (this.lock) {
			return Map.copyOf(this.commits);
		}
	}

	/**
	 * Every committed row's table (template plus suffix), by insertId, from the last
	 * commit of each.
	 */
	public Map<String, String> committedTables() {
		Map<String, String> result = new HashMap<>();
		for (InsertAll request : insertAlls()) {
			if (request.answer().startsWith("200")) {
				for (Row row : request.rows()) {
					result.put(row.insertId(), request.targetTable());
				}
			}
		}
		return result;
	}

	@Override
	public void close() {
		releaseHanging();
		this.server.stop();
	}

	/** Answers the requests held by {@link Answer#hang()}; later ones hang again. */
	private void releaseHanging() {
		CountDownLatch held;
		synchronized (this.lock) {
			held = this.hanging;
			this.hanging = new CountDownLatch(1);
		}
		held.countDown();
	}

	/** Holds the calling request thread until the server is reset or closed. */
	private static void awaitRelease(CountDownLatch release) {
		try {
			release.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private ResponseDefinition respond(Request request) {
		String path = URI.create(request.getUrl()).getPath();
		String[] parts = path.split("/");
		// /bigquery/v2/projects/{p}/datasets/{d}[/tables[/{t}[/insertAll]]]
		if (parts.length < 7 || !"projects".equals(parts[3]) || !"datasets".equals(parts[5])) {
			return error(400, "invalid", "unexpected path " + path);
		}
		this.projects.add(parts[4]);
		String dataset = parts[6];
		boolean knownDataset = this.datasetExists && DATASET.equals(dataset);
		String method = request.getMethod().getName();
		if (parts.length == 7 && "GET".equals(method)) {
			return knownDataset
					? json(200,
							Map.of("kind", "bigquery#dataset", "id", PROJECT + ":" + DATASET, "datasetReference",
									Map.of("projectId", PROJECT, "datasetId", DATASET), "location", "US"))
					: notFound("Dataset " + PROJECT + ":" + dataset);
		}
		if (parts.length == 8 && "POST".equals(method)) {
			if (!knownDataset) {
				return notFound("Dataset " + PROJECT + ":" + dataset);
			}
			Map<String, Object> body = JSON.readValue(body(request), new TypeReference<>() {
			});
			@SuppressWarnings("unchecked")
			String table = (String) ((Map<String, Object>) body.get("tableReference")).get("tableId");
			// What BigQuery adds to a created table's resource.
			body.put("kind", "bigquery#table");
			body.put("id", PROJECT + ":" + dataset + "." + table);
			body.putIfAbsent("type", "TABLE");
			if (this.tables.putIfAbsent(table, body) != null) {
				return error(409, "duplicate", "Already Exists: Table " + PROJECT + ":" + dataset + "." + table);
			}
			this.createdTables.add(table);
			return json(200, body);
		}
		if (parts.length == 9 && "GET".equals(method)) {
			Map<String, Object> table = knownDataset ? this.tables.get(parts[8]) : null;
			return (table != null) ? json(200, table) : notFound("Table " + PROJECT + ":" + dataset + "." + parts[8]);
		}
		if (parts.length == 10 && "insertAll".equals(parts[9]) && "POST".equals(method)) {
			return insertAll(parts[8], knownDataset, body(request));
		}
		return error(400, "invalid", "unexpected " + method + " " + path);
	}

	@SuppressWarnings("unchecked")
	private ResponseDefinition insertAll(String table, boolean knownDataset, byte[] body) {
		Map<String, Object> request = JSON.readValue(body, new TypeReference<>() {
		});
		List<Row> rows = new ArrayList<>();
		for (Map<String, Object> row : (List<Map<String, Object>>) request.getOrDefault("rows", List.of())) {
			rows.add(new Row((String) row.get("insertId"), (Map<String, Object>) row.get("json")));
		}
		String suffix = (String) request.get("templateSuffix");
		Answer answer;
		CountDownLatch release;
		synchronized (this.lock) {
			answer = nextAnswer();
			release = this.hanging;
			if (answer.hang) {
				this.insertAlls.add(new InsertAll(table, suffix, List.copyOf(rows), answer.toString(), Instant.now()));
			}
		}
		if (answer.hang) {
			awaitRelease(release);
			return errorBuilder(answer.status, answer.reason, "Injected hang, then " + answer.status).build();
		}
		synchronized (this.lock) {
			if (answer.isSuccess() && (!knownDataset || !this.tables.containsKey(table))) {
				answer = Answer.notFound().after(answer.delay);
			}
			Map<Integer, String> rowErrors = new LinkedHashMap<>();
			Predicate<Row> rejects = this.invalid;
			if (answer.isSuccess() && rejects != null) {
				for (int i = 0; i < rows.size(); i++) {
					if (rejects.test(rows.get(i))) {
						rowErrors.put(i, "invalid");
					}
				}
				if (!rowErrors.isEmpty()) {
					for (int i = 0; i < rows.size(); i++) {
						rowErrors.putIfAbsent(i, "stopped");
					}
				}
			}
			this.insertAlls.add(new InsertAll(table, suffix, List.copyOf(rows),
					answer + (rowErrors.isEmpty() ? "" : " with row errors"), Instant.now()));
			if (answer.isSuccess() && rowErrors.isEmpty()) {
				for (Row row : rows) {
					this.commits.merge(row.insertId(), 1, Integer::sum);
				}
			}
			if (answer.fault != null) {
				return ResponseDefinitionBuilder.responseDefinition().withFault(answer.fault).build();
			}
			if (!answer.isSuccess()) {
				String message = (answer.status == 404) ? "Not found: Table " + PROJECT + ":" + DATASET + "." + table
						: "Injected " + answer.status + " " + answer.reason;
				return delayed(errorBuilder(answer.status, answer.reason, message), answer.delay);
			}
			Map<String, Object> response = new LinkedHashMap<>();
			response.put("kind", "bigquery#tableDataInsertAllResponse");
			if (!rowErrors.isEmpty()) {
				List<Map<String, Object>> insertErrors = new ArrayList<>();
				for (Map.Entry<Integer, String> error : rowErrors.entrySet()) {
					boolean own = "invalid".equals(error.getValue());
					insertErrors.add(Map.of("index", error.getKey(), "errors",
							List.of(Map.of("reason", error.getValue(), "location", own ? "user_id" : "", "debugInfo",
									"", "message", own ? "Injected invalid value in row " + error.getKey() : ""))));
				}
				response.put("insertErrors", insertErrors);
			}
			return delayed(jsonBuilder(200, response), answer.delay);
		}
	}

	/**
	 * The next scripted answer, else a fault at the fault rate, else the usual answer.
	 */
	private Answer nextAnswer() {
		Answer answer = this.scripted.poll();
		if (answer == null && this.random != null && this.random.nextDouble() < this.faultRate) {
			answer = this.faults[this.random.nextInt(this.faults.length)];
		}
		return (answer != null) ? answer : this.always;
	}

	private static ResponseDefinition delayed(ResponseDefinitionBuilder builder, Duration delay) {
		if (!delay.isZero()) {
			builder.withFixedDelay((int) delay.toMillis());
		}
		return builder.build();
	}

	private static byte[] body(Request request) {
		byte[] body = request.getBody();
		if (body.length > 2 && (body[0] & 0xff) == 0x1f && (body[1] & 0xff) == 0x8b) {
			try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
				return in.readAllBytes();
			}
			catch (IOException ex) {
				throw new UncheckedIOException("BigQueryServer could not gunzip a request body", ex);
			}
		}
		return body;
	}

	private static Map<String, Object> tableResource(String table, List<Object> fields) {
		Map<String, Object> resource = new LinkedHashMap<>();
		resource.put("kind", "bigquery#table");
		resource.put("id", PROJECT + ":" + DATASET + "." + table);
		resource.put("tableReference", Map.of("projectId", PROJECT, "datasetId", DATASET, "tableId", table));
		resource.put("schema", Map.of("fields", fields));
		resource.put("type", "TABLE");
		return resource;
	}

	private static List<Object> templateSchema() {
		try (InputStream in = BigQueryServer.class.getResourceAsStream("/bigquery/pixel-template-schema.json")) {
			if (in == null) {
				throw new IllegalStateException("bigquery/pixel-template-schema.json is not on the classpath");
			}
			return JSON.readValue(in, new TypeReference<>() {
			});
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static ResponseDefinition json(int status, Object body) {
		return jsonBuilder(status, body).build();
	}

	private static ResponseDefinitionBuilder jsonBuilder(int status, Object body) {
		return WireMock.aResponse()
			.withStatus(status)
			.withHeader("Content-Type", "application/json; charset=UTF-8")
			.withBody(JSON.writeValueAsString(body));
	}

	private static ResponseDefinition notFound(String what) {
		return error(404, "notFound", "Not found: " + what);
	}

	private static ResponseDefinition error(int status, String reason, String message) {
		return errorBuilder(status, reason, message).build();
	}

	private static ResponseDefinitionBuilder errorBuilder(int status, String reason, String message) {
		return jsonBuilder(status, Map.of("error", Map.of("code", status, "message", message, "errors",
				List.of(Map.of("message", message, "domain", "global", "reason", reason)))));
	}

	private final class Responder implements ResponseDefinitionTransformerV2 {

		@Override
		public ResponseDefinition transform(ServeEvent serveEvent) {
			return respond(serveEvent.getRequest());
		}

		@Override
		public String getName() {
			return "bigquery-responder";
		}

	}

}
