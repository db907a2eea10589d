package dev.pixelpipeline.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.pixelpipeline.parse.TrackingEvent;

/**
 * The columns of the event tables, the single source of truth for the embedded store, the
 * BigQuery rows and the BigQuery template table schema: one STRING column per whitelisted
 * attribute, then the fixed columns. Each column reads its own value from a hit, so a new
 * column is one line in {@link #FIXED_COLUMNS} (and, for a new type, a constant of
 * {@link Column.Type}).
 */
public final class RowSchema {

	/** Columns every row has, after the attribute columns. */
	public static final List<Column> FIXED_COLUMNS = List.of(
			new Column("event_time", Column.Type.TIMESTAMP, true, "When the hit happened (UTC), from the log entry",
					(event, receivedAt) -> event.eventTime()),
			new Column("message_id", Column.Type.STRING, true,
					"The log entry's insertId (else the Pub/Sub message id); deduplicates redeliveries and replays",
					(event, receivedAt) -> event.messageId()),
			new Column("user_agent", Column.Type.STRING, false, "The browser's User-Agent header",
					(event, receivedAt) -> event.userAgent()),
			new Column("remote_ip", Column.Type.STRING, false, "Client IP without port, anonymised by default",
					(event, receivedAt) -> event.remoteIp()),
			new Column("referer", Column.Type.STRING, false, "The page that embedded the pixel",
					(event, receivedAt) -> event.referer()),
			new Column("status", Column.Type.INTEGER, false, "HTTP status the load balancer answered",
					(event, receivedAt) -> event.status()),
			new Column("received_at", Column.Type.TIMESTAMP, true, "When the pipeline received the hit (UTC)",
					(event, receivedAt) -> receivedAt),
			// Enrichment (issue 15): appended, so that a table migrated by ADD COLUMN
			// has the same column order as a new one.
			new Column("device_class", Column.Type.STRING, false,
					"Desktop, Phone, Tablet, Robot or Unknown, from the user agent (empty: enrichment off)",
					(event, receivedAt) -> (event.agent() != null) ? event.agent().deviceClass() : null),
			new Column("agent_name", Column.Type.STRING, false,
					"Browser or client from the user agent, as ua-parser names it (Chrome Mobile, Googlebot, Other)",
					(event, receivedAt) -> (event.agent() != null) ? event.agent().agentName() : null),
			new Column("agent_major", Column.Type.STRING, false, "Major version of the browser or client",
					(event, receivedAt) -> (event.agent() != null) ? event.agent().agentMajor() : null),
			new Column("os_name", Column.Type.STRING, false,
					"Operating system from the user agent, as ua-parser names it (iOS, Windows, Other)",
					(event, receivedAt) -> (event.agent() != null) ? event.agent().osName() : null),
			new Column("is_bot", Column.Type.BOOLEAN, false,
					"Whether the user agent is a robot (crawler, uptime checker, link previewer, HTTP tool); empty when"
							+ " not classified",
					(event, receivedAt) -> event.bot()),
			new Column("referer_host", Column.Type.STRING, false, "Host of the referer, lower case",
					(event, receivedAt) -> event.refererHost()));

	private static final Map<String, Column.Type> FIXED_TYPES = FIXED_COLUMNS.stream()
		.collect(Collectors.toUnmodifiableMap(Column::name, Column::type));

	private static final Pattern COLUMN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

	private static final Set<String> RESERVED = Set.of("_table", "_partitiontime", "_partitiondate");

	private final List<String> attributes;

	private final List<Column> columns;

	private RowSchema(List<String> attributes) {
		this.attributes = List.copyOf(attributes);
		List<Column> all = new ArrayList<>();
		for (String attribute : attributes) {
			all.add(new Column(attribute, Column.Type.STRING, false, "Query parameter '" + attribute + "' of the hit",
					(event, receivedAt) -> event.attributes().get(attribute)));
		}
		all.addAll(FIXED_COLUMNS);
		this.columns = Collections.unmodifiableList(all);
	}

	/**
	 * The schema for the given whitelisted attributes.
	 * @throws IllegalArgumentException naming the attribute when one is not a valid
	 * column name or clashes with a fixed column
	 */
	public static RowSchema of(List<String> attributes) {
		for (String attribute : attributes) {
			if (!COLUMN_NAME.matcher(attribute).matches()) {
				throw new IllegalArgumentException("pipeline.attributes: '" + attribute
						+ "' is not a valid column name (letters, digits, underscores; not starting with a digit)");
			}
			if (RESERVED.contains(attribute.toLowerCase())
					|| FIXED_COLUMNS.stream().anyMatch((c) -> c.name().equalsIgnoreCase(attribute))) {
				throw new IllegalArgumentException(
						"pipeline.attributes: '" + attribute + "' clashes with a column the pipeline always writes");
			}
		}
		if (attributes.stream().map(String::toLowerCase).distinct().count() != attributes.size()) {
			throw new IllegalArgumentException("pipeline.attributes: " + attributes + " names a column twice");
		}
		return new RowSchema(attributes);
	}

	/** The whitelisted attributes, in column order. */
	public List<String> attributes() {
		return this.attributes;
	}

	/** Every column, attributes first. */
	public List<Column> columns() {
		return this.columns;
	}

	/**
	 * The type of a column by name: a fixed column's own type; every other column is an
	 * attribute column, a STRING.
	 */
	public static Column.Type type(String column) {
		return FIXED_TYPES.getOrDefault(column, Column.Type.STRING);
	}

	/**
	 * The column values of one event, keyed by column name in column order, each as its
	 * {@link Column#reader() reader} gives it: strings, {@link Instant} for timestamps,
	 * {@link Integer} for the status, {@link Boolean} for {@code is_bot}; absent values
	 * are {@code null}.
	 */
	public Map<String, Object> values(TrackingEvent event, Instant receivedAt) {
		Map<String, Object> values = new LinkedHashMap<>(this.columns.size() * 2);
		// Indexed: the list iterator showed up as an allocation per row in the profile.
		for (int i = 0; i < this.columns.size(); i++) {
			Column column = this.columns.get(i);
			values.put(column.name(), column.reader().read(event, receivedAt));
		}
		return values;
	}

}
