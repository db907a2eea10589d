package dev.pixelpipeline.store.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import dev.pixelpipeline.store.BadRow;
import dev.pixelpipeline.store.BadRowSink;
import dev.pixelpipeline.store.BatchWriter;
import dev.pixelpipeline.store.BatchingSink;
import dev.pixelpipeline.store.Column;
import dev.pixelpipeline.store.EventRow;
import dev.pixelpipeline.store.RowResult;
import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.store.StoreHealth;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store: a DuckDB database file with one table per template and suffix
 * (created on first use), a wildcard view over them named like BigQuery's
 * ({@code "pixel_*"}), and a {@code _bad_rows} table.
 *
 * <p>
 * Rows are keyed by {@code message_id}, so a redelivered message is stored once. One
 * connection writes events (from the single writer thread of its {@link BatchingSink}),
 * one writes bad rows, and reads ({@link EmbeddedReads}) use their own.
 *
 * <p>
 * The entry point of the embedded adapter: configuration opens it, and takes its
 * {@link #writer() writer}, {@link #badRowSink() bad-row sink} and {@link #health()
 * health} from it.
 */
public final class EmbeddedDatabase implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedDatabase.class);

	/** The table bad rows go to. */
	static final String BAD_ROWS_TABLE = "_bad_rows";

	private static final String STAGING_TABLE = "staging_events";

	/** How long {@link #close()} waits for a write in progress. */
	static final Duration CLOSE_WAIT = Duration.ofSeconds(1);

	private static final DateTimeFormatter SQL_TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS")
		.withZone(ZoneOffset.UTC);

	private final String location;

	private final RowSchema schema;

	private final String template;

	private final DuckDBConnection root;

	private final DuckDBConnection eventWriter;

	private final Connection badRowWriter;

	private final Set<String> tables = ConcurrentHashMap.newKeySet();

	/** Tables created or brought up to the current columns by this process. */
	private final Set<String> current = ConcurrentHashMap.newKeySet();

	private final Map<String, String> insertSql = new ConcurrentHashMap<>();

	/**
	 * Tables whose columns are exactly the schema's, in its order: the appender fills
	 * columns by position, so only these take the appender's fast path.
	 */
	private final Set<String> appendable = ConcurrentHashMap.newKeySet();

	/**
	 * Opens (or creates) the database.
	 * @param path the database file, created with its folders if missing;
	 * {@code :memory:} for a throwaway store
	 * @param schema the event columns
	 * @param template the template table name, which the wildcard view is named after
	 */
	public EmbeddedDatabase(String path, RowSchema schema, String template) {
		this.schema = schema;
		this.template = template;
		this.location = path;
		try {
			if (!":memory:".equals(path)) {
				Path parent = Path.of(path).toAbsolutePath().getParent();
				if (parent != null) {
					Files.createDirectories(parent);
				}
			}
			this.root = (DuckDBConnection) DriverManager
				.getConnection(":memory:".equals(path) ? "jdbc:duckdb:" : "jdbc:duckdb:" + path);
			try (Statement statement = this.root.createStatement()) {
				// Batches are small and written by one thread: with DuckDB's worker pool
				// each commit handed its work to another thread and back (a batch of 30
				// rows took 2.2 ms that way, 1.7 ms on the writer's thread alone).
				statement.execute("SET threads = 1");
			}
			this.eventWriter = this.root.duplicate();
			try (Statement statement = this.eventWriter.createStatement()) {
				statement.execute("CREATE TEMP TABLE " + STAGING_TABLE + " ("
						+ schema.columns()
							.stream()
							.map((c) -> quote(c.name()) + " " + c.type().duckDbType())
							.collect(Collectors.joining(", "))
						+ ")");
			}
			this.badRowWriter = this.root.duplicate();
			try (Statement statement = this.root.createStatement()) {
				statement.execute("CREATE TABLE IF NOT EXISTS " + BAD_ROWS_TABLE
						+ " (message_id VARCHAR PRIMARY KEY, reason VARCHAR NOT NULL, detail VARCHAR,"
						+ " received_at TIMESTAMP NOT NULL, payload VARCHAR, subscription VARCHAR)");
			}
			this.tables.addAll(existingEventTables());
			migrate();
			if (!this.tables.isEmpty()) {
				refreshView(this.root);
			}
			logger.info("Embedded store at {} holds {} event tables", describe(), this.tables.size());
		}
		catch (IOException | SQLException ex) {
			throw new IllegalStateException("Cannot open the embedded DuckDB store at " + path + ": " + ex.getMessage(),
					ex);
		}
	}

	/** Where the database lives, for logs and health details. */
	public String describe() {
		return ":memory:".equals(this.location) ? "memory" : Path.of(this.location).toAbsolutePath().toString();
	}

	/** The name of the wildcard view over all event tables, such as {@code pixel_*}. */
	String viewName() {
		return this.template + "_*";
	}

	/** The event columns. */
	RowSchema schema() {
		return this.schema;
	}

	/** The event tables known to this process, for the reads. */
	Set<String> tableNames() {
		return this.tables;
	}

	/** A connection of its own for a read; the caller closes it. */
	Connection readConnection() throws SQLException {
		return this.root.duplicate();
	}

	/** The writer a {@code BatchingSink} drives: one transaction per batch. */
	public BatchWriter writer() {
		return new EmbeddedBatchWriter(this);
	}

	/** Bad rows into the {@code _bad_rows} table. */
	public BadRowSink badRowSink() {
		return new EmbeddedBadRowSink(this);
	}

	/**
	 * Whether the database answers a query, with its path; down once it is closed or
	 * broken.
	 */
	public StoreHealth health() {
		Map<String, String> details = Map.of("path", describe());
		try (Connection connection = readConnection();
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT 1")) {
			rs.next();
			return StoreHealth.up("Embedded store at " + describe() + " answers", details);
		}
		catch (SQLException ex) {
			return StoreHealth.down("Embedded DuckDB store at " + describe() + " is not answering: " + ex.getMessage(),
					details);
		}
	}

	/**
	 * Inserts rows of any tables in one transaction; a row whose {@code message_id} is
	 * already in its table, or earlier in the same list, is reported
	 * {@link RowResult.Status#DUPLICATE}.
	 *
	 * <p>
	 * New ids are the common case, so the rows are first appended straight into their
	 * tables (DuckDB's appender: about a third of the cost of a planned
	 * {@code INSERT … SELECT}). A message id that is already stored makes the primary key
	 * refuse that append; the transaction is then rolled back and the batch written again
	 * through a staging table with {@code INSERT OR IGNORE … RETURNING}, which tells the
	 * stored rows from the duplicates. Either way a batch is kept whole or not at all.
	 * @throws SQLException when the write failed as a whole (nothing of it is kept)
	 */
	List<RowResult> insert(List<EventRow> rows) throws SQLException {
		RowResult[] results = new RowResult[rows.size()];
		Map<String, List<Integer>> byTable = new LinkedHashMap<>();
		Set<String> seen = new HashSet<>();
		for (int i = 0; i < rows.size(); i++) {
			EventRow row = rows.get(i);
			// Two pushes of one message in a batch (a redelivery racing the first
			// delivery): the first is the one written, the repeat is a duplicate.
			if (seen.add(row.table().full() + '\n' + row.messageId())) {
				byTable.computeIfAbsent(row.table().full(), (t) -> new ArrayList<>()).add(i);
			}
			else {
				results[i] = RowResult.duplicate();
			}
		}
		synchronized (this.eventWriter) {
			for (String table : byTable.keySet()) {
				ensureTable(table);
			}
			if (!(this.appendable.containsAll(byTable.keySet()) && tryAppend(byTable, rows, results))) {
				inTransaction(() -> {
					for (Map.Entry<String, List<Integer>> group : byTable.entrySet()) {
						insertGroup(group.getKey(), group.getValue(), rows, results);
					}
				});
			}
			return List.of(results);
		}
	}

	/** Appends every group in one transaction; false (and nothing kept) if refused. */
	private boolean tryAppend(Map<String, List<Integer>> byTable, List<EventRow> rows, RowResult[] results) {
		try {
			inTransaction(() -> {
				for (Map.Entry<String, List<Integer>> group : byTable.entrySet()) {
					appendGroup(group.getKey(), group.getValue(), rows, results);
				}
			});
			return true;
		}
		catch (SQLException ex) {
			logger.debug("Appending a batch was refused ({}); writing it with INSERT OR IGNORE", ex.getMessage());
			return false;
		}
	}

	private interface Work {

		void run() throws SQLException;

	}

	private void inTransaction(Work work) throws SQLException {
		// Explicit statements, not setAutoCommit(false): DuckDB's driver begins that
		// transaction lazily on the next statement, and an appender is not a statement,
		// so appended rows would be committed on their own.
		try (Statement statement = this.eventWriter.createStatement()) {
			statement.execute("BEGIN TRANSACTION");
			try {
				work.run();
				statement.execute("COMMIT");
			}
			catch (SQLException | RuntimeException ex) {
				try {
					statement.execute("ROLLBACK");
				}
				catch (SQLException rollbackFailed) {
					ex.addSuppressed(rollbackFailed);
				}
				throw ex;
			}
		}
	}

	private void appendGroup(String table, List<Integer> indexes, List<EventRow> rows, RowResult[] results)
			throws SQLException {
		try (DuckDBAppender appender = this.eventWriter.createAppender(DuckDBConnection.DEFAULT_SCHEMA, table)) {
			appendRows(appender, indexes, rows);
		}
		for (int index : indexes) {
			results[index] = RowResult.stored();
		}
	}

	private void insertGroup(String table, List<Integer> indexes, List<EventRow> rows, RowResult[] results)
			throws SQLException {
		// Append the group to a connection-local staging table (DuckDB's fast path), then
		// move it with one INSERT OR IGNORE that returns the ids it stored.
		try (Statement statement = this.eventWriter.createStatement()) {
			statement.execute("DELETE FROM " + STAGING_TABLE);
		}
		try (DuckDBAppender appender = this.eventWriter.createAppender("temp", "main", STAGING_TABLE)) {
			appendRows(appender, indexes, rows);
		}
		String names = this.schema.columns().stream().map((c) -> quote(c.name())).collect(Collectors.joining(", "));
		String sql = this.insertSql.computeIfAbsent(table, (t) -> "INSERT OR IGNORE INTO " + quote(t) + " (" + names
				+ ") SELECT " + names + " FROM " + STAGING_TABLE + " RETURNING message_id");
		Set<String> inserted = new HashSet<>();
		try (Statement statement = this.eventWriter.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
			while (rs.next()) {
				inserted.add(rs.getString(1));
			}
		}
		for (int index : indexes) {
			results[index] = inserted.contains(rows.get(index).messageId()) ? RowResult.stored()
					: RowResult.duplicate();
		}
	}

	private void appendRows(DuckDBAppender appender, List<Integer> indexes, List<EventRow> rows) throws SQLException {
		List<Column> columns = this.schema.columns();
		for (int index : indexes) {
			Map<String, Object> values = rows.get(index).values();
			appender.beginRow();
			for (Column column : columns) {
				append(appender, column.type(), values.get(column.name()));
			}
			appender.endRow();
		}
		// close() swallows a failed flush (a refused primary key among them) and the rows
		// would silently not be there: flush explicitly so that the failure is thrown.
		appender.flush();
	}

	private static void append(DuckDBAppender appender, Column.Type type, Object value) throws SQLException {
		if (value == null) {
			appender.appendNull();
			return;
		}
		switch (type) {
			case STRING -> appender.append(value.toString());
			case TIMESTAMP -> appender
				.append(LocalDateTime.ofInstant(((Instant) value).truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC));
			case INTEGER -> appender.append(((Number) value).longValue());
			case BOOLEAN -> appender.append(((Boolean) value).booleanValue());
		}
	}

	static String sqlTimestamp(Instant instant) {
		return SQL_TIMESTAMP.format(instant.truncatedTo(ChronoUnit.MICROS));
	}

	private void ensureTable(String table) throws SQLException {
		if (this.current.contains(table)) {
			return;
		}
		try (Statement statement = this.eventWriter.createStatement()) {
			statement.execute("CREATE TABLE IF NOT EXISTS " + quote(table) + " ("
					+ this.schema.columns()
						.stream()
						.map((c) -> quote(c.name()) + " " + c.type().duckDbType() + (c.required() ? " NOT NULL" : ""))
						.collect(Collectors.joining(", "))
					+ ", PRIMARY KEY (message_id))");
			// A table made before pipeline.attributes grew gets the new columns, as
			// BigQuery schema updates do.
			for (Column column : this.schema.columns()) {
				statement.execute("ALTER TABLE " + quote(table) + " ADD COLUMN IF NOT EXISTS " + quote(column.name())
						+ " " + column.type().duckDbType());
			}
		}
		if (columnNames(table).equals(this.schema.columns().stream().map(Column::name).toList())) {
			this.appendable.add(table);
		}
		this.current.add(table);
		if (this.tables.add(table)) {
			logger.info("Created table {} in the embedded store", table);
		}
		refreshView(this.eventWriter);
	}

	/**
	 * Adds the columns a newer pipeline writes (enrichment, new attributes) to every
	 * event table of an existing file, as {@code setup.sh} does to the BigQuery template:
	 * NULL in the rows written before, so the file opens as it was and reads the same.
	 */
	private void migrate() throws SQLException {
		Map<String, List<String>> added = new TreeMap<>();
		try (Statement statement = this.root.createStatement()) {
			for (String table : this.tables) {
				Set<String> present = new HashSet<>();
				for (String name : columnNames(this.root, table)) {
					present.add(name.toLowerCase(Locale.ROOT));
				}
				for (Column column : this.schema.columns()) {
					if (!present.contains(column.name().toLowerCase(Locale.ROOT))) {
						statement.execute("ALTER TABLE " + quote(table) + " ADD COLUMN " + quote(column.name()) + " "
								+ column.type().duckDbType());
						added.computeIfAbsent(table, (t) -> new ArrayList<>()).add(column.name());
					}
				}
			}
		}
		if (!added.isEmpty()) {
			logger.info("Embedded store at {}: added the columns {} (NULL in existing rows) to {} tables: {}",
					describe(), added.values().stream().flatMap(List::stream).distinct().toList(), added.size(),
					added.keySet());
		}
	}

	private List<String> columnNames(String table) throws SQLException {
		return columnNames(this.eventWriter, table);
	}

	private static List<String> columnNames(Connection connection, String table) throws SQLException {
		List<String> names = new ArrayList<>();
		try (PreparedStatement statement = connection.prepareStatement("SELECT column_name FROM"
				+ " information_schema.columns WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position")) {
			statement.setString(1, table);
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					names.add(rs.getString(1));
				}
			}
		}
		return names;
	}

	private void refreshView(Connection connection) throws SQLException {
		String select = new TreeSet<>(this.tables).stream()
			.map((t) -> "SELECT *, '" + t + "' AS _table FROM " + quote(t))
			.collect(Collectors.joining(" UNION ALL BY NAME "));
		try (Statement statement = connection.createStatement()) {
			statement.execute("CREATE OR REPLACE VIEW " + quote(viewName()) + " AS " + select);
		}
	}

	private Set<String> existingEventTables() throws SQLException {
		Set<String> found = new TreeSet<>();
		String sql = "SELECT t.table_name FROM information_schema.tables t WHERE t.table_type = 'BASE TABLE'"
				+ " AND t.table_schema = 'main' AND starts_with(t.table_name, ?) AND EXISTS (SELECT 1 FROM"
				+ " information_schema.columns c WHERE c.table_name = t.table_name AND c.column_name = 'message_id')";
		try (PreparedStatement statement = this.root.prepareStatement(sql)) {
			statement.setString(1, this.template);
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					if (!rs.getString(1).equals(BAD_ROWS_TABLE)) {
						found.add(rs.getString(1));
					}
				}
			}
		}
		return found;
	}

	/**
	 * Records a bad row; a second bad row for the same message id is not stored again.
	 */
	void insertBadRow(BadRow badRow, byte[] payload) throws SQLException {
		synchronized (this.badRowWriter) {
			try (PreparedStatement insert = this.badRowWriter.prepareStatement(
					"INSERT OR IGNORE INTO " + BAD_ROWS_TABLE + " VALUES (?, ?, ?, CAST(? AS TIMESTAMP), ?, ?)")) {
				insert.setString(1, badRow.messageId());
				insert.setString(2, badRow.reason());
				insert.setString(3, badRow.detail());
				insert.setString(4, sqlTimestamp(badRow.receivedAt()));
				insert.setString(5, (badRow.payload() != null) ? badRow.payload() : BadRow.payloadText(payload));
				insert.setString(6, badRow.subscription());
				insert.executeUpdate();
			}
		}
	}

	static String quote(String identifier) {
		return "\"" + identifier.replace("\"", "\"\"") + "\"";
	}

	/**
	 * Closes the store once the write in progress, if any, has ended: a batching sink
	 * shut down with a write still running (it answers the write's rows without waiting
	 * for it) must not have the connection closed under it, which deadlocks DuckDB's
	 * driver. The wait is bounded by {@link #CLOSE_WAIT}: a write that hangs past it
	 * keeps the store open for the process exit to release, so shutdown still ends in
	 * time (the write's rows were answered 503 already).
	 */
	@Override
	public void close() {
		Thread closer = new Thread(this::closeConnections, "embedded-store-close");
		closer.setDaemon(true);
		closer.start();
		try {
			closer.join(CLOSE_WAIT.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (closer.isAlive()) {
			logger.warn("Embedded store at {} is still writing after {}: left open for the process exit to release",
					describe(), CLOSE_WAIT);
		}
	}

	private void closeConnections() {
		synchronized (this.eventWriter) {
			closeQuietly(this.eventWriter, "event writer");
		}
		synchronized (this.badRowWriter) {
			closeQuietly(this.badRowWriter, "bad-row writer");
		}
		closeQuietly(this.root, "connection");
	}

	private void closeQuietly(Connection connection, String what) {
		try {
			connection.close();
		}
		catch (SQLException ex) {
			logger.warn("Closing the {} of the embedded store at {} failed: {}", what, describe(), ex.getMessage());
		}
	}

}
