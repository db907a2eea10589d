package dev.pixelpipeline.store.embedded;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

import dev.pixelpipeline.store.Column;

/**
 * The reads the web API and the tests make of the {@link EmbeddedDatabase}: tables and
 * their counts, the newest events and bad rows, rows per minute. Each read runs on a
 * connection of its own, so reads never wait for the writers.
 */
public final class EmbeddedReads {

	/** One table the store holds, with its row count. */
	public record TableInfo(String name, long rows) {
	}

	/** How many rows arrived in one minute. */
	public record MinuteCount(Instant minute, long rows) {
	}

	private final EmbeddedDatabase database;

	/**
	 * Reads of a database.
	 * @param database the open database
	 */
	public EmbeddedReads(EmbeddedDatabase database) {
		this.database = database;
	}

	/** The event tables and their row counts, by name. */
	public List<TableInfo> tables() throws SQLException {
		List<TableInfo> result = new ArrayList<>();
		try (Connection connection = this.database.readConnection();
				Statement statement = connection.createStatement()) {
			for (String table : new TreeSet<>(this.database.tableNames())) {
				try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM " + EmbeddedDatabase.quote(table))) {
					rs.next();
					result.add(new TableInfo(table, rs.getLong(1)));
				}
			}
		}
		return result;
	}

	/**
	 * The newest events first, each with its columns and {@code _table}.
	 * @param table only this table, or {@code null} for all
	 */
	public List<Map<String, Object>> events(int limit, String table) throws SQLException {
		if (this.database.tableNames().isEmpty() || (table != null && !this.database.tableNames().contains(table))) {
			return List.of();
		}
		String columns = this.database.schema()
			.columns()
			.stream()
			.map(EmbeddedReads::selectExpression)
			.collect(Collectors.joining(", "));
		String from = (table != null) ? "(SELECT *, ? AS _table FROM " + EmbeddedDatabase.quote(table) + ")"
				: EmbeddedDatabase.quote(this.database.viewName());
		String sql = "SELECT " + columns + ", _table FROM " + from
				+ " ORDER BY received_at DESC, event_time DESC, message_id LIMIT ?";
		try (Connection connection = this.database.readConnection();
				PreparedStatement statement = connection.prepareStatement(sql)) {
			int position = 1;
			if (table != null) {
				statement.setString(position++, table);
			}
			statement.setInt(position, limit);
			return rows(statement);
		}
	}

	/** The newest bad rows first. */
	public List<Map<String, Object>> badRows(int limit) throws SQLException {
		String sql = "SELECT message_id, reason, detail, " + timestampText("received_at")
				+ " AS received_at, payload, subscription FROM " + EmbeddedDatabase.BAD_ROWS_TABLE
				+ " ORDER BY received_at DESC, message_id LIMIT ?";
		try (Connection connection = this.database.readConnection();
				PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setInt(1, limit);
			return rows(statement);
		}
	}

	/**
	 * Rows received per minute since a time, over all event tables (the wildcard view),
	 * by {@code received_at}; minutes without rows are left out.
	 * @param since the first minute counted (truncated to the minute)
	 */
	public List<MinuteCount> rowsPerMinute(Instant since) throws SQLException {
		if (this.database.tableNames().isEmpty()) {
			return List.of();
		}
		String sql = "SELECT " + timestampText("date_trunc('minute', received_at)") + " AS minute, count(*) FROM "
				+ EmbeddedDatabase.quote(this.database.viewName())
				+ " WHERE received_at >= CAST(? AS TIMESTAMP) GROUP BY ALL ORDER BY minute";
		List<MinuteCount> result = new ArrayList<>();
		try (Connection connection = this.database.readConnection();
				PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, EmbeddedDatabase.sqlTimestamp(since.truncatedTo(ChronoUnit.MINUTES)));
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					result.add(new MinuteCount(Instant.parse(rs.getString(1)), rs.getLong(2)));
				}
			}
		}
		return result;
	}

	/** Runs a read-only query on a connection of its own, for tests and tools. */
	public long count(String sql) throws SQLException {
		try (Connection connection = this.database.readConnection();
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery(sql)) {
			rs.next();
			return rs.getLong(1);
		}
	}

	private static List<Map<String, Object>> rows(PreparedStatement statement) throws SQLException {
		List<Map<String, Object>> result = new ArrayList<>();
		try (ResultSet rs = statement.executeQuery()) {
			int count = rs.getMetaData().getColumnCount();
			while (rs.next()) {
				Map<String, Object> row = new LinkedHashMap<>();
				for (int i = 1; i <= count; i++) {
					Object value = rs.getObject(i);
					row.put(rs.getMetaData().getColumnLabel(i), (value instanceof Number n) ? n.longValue() : value);
				}
				result.add(row);
			}
		}
		return result;
	}

	private static String selectExpression(Column column) {
		return (column.type() == Column.Type.TIMESTAMP)
				? timestampText(EmbeddedDatabase.quote(column.name())) + " AS " + EmbeddedDatabase.quote(column.name())
				: EmbeddedDatabase.quote(column.name());
	}

	static String timestampText(String expression) {
		return "strftime(" + expression + ", '%Y-%m-%dT%H:%M:%S.%fZ')";
	}

}
