package dev.pixelpipeline.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import dev.pixelpipeline.parse.TrackingEvent;

/**
 * The columns of the event tables, the single source of truth for the embedded store, the
 * BigQuery rows and the BigQuery template table schema: one STRING column per whitelisted
 * attribute, then the fixed columns.
 */
public final class RowSchema {

	/** Columns every row has, after the attribute columns. */
	public static final List<Column> FIXED_COLUMNS = List.of(
			new Column("event_time", Column.Type.TIMESTAMP, true, "When the hit happened (UTC), from the log entry"),
			new Column("message_id", Column.Type.STRING, true,
					"The log entry's insertId (else the Pub/Sub message id); deduplicates redeliveries and replays"),
			new Column("user_agent", Column.Type.STRING, false, "The browser's User-Agent header"),
			new Column("remote_ip", Column.Type.STRING, false, "Client IP without port, anonymised by default"),
			new Column("referer", Column.Type.STRING, false, "The page that embedded the pixel"),
			new Column("status", Column.Type.INTEGER, false, "HTTP status the load balancer answered"),
			new Column("received_at", Column.Type.TIMESTAMP, true, "When the pipeline received the hit (UTC)"));

	private static final Pattern COLUMN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

	private static final Set<String> RESERVED = Set.of("_table", "_partitiontime", "_partitiondate");

	private final List<String> attributes;

	private final List<Column> columns;

	private RowSchema(List<String> attributes) {
		this.attributes = List.copyOf(attributes);
		List<Column> all = new ArrayList<>();
		for (String attribute : attributes) {
			all.add(new Column(attribute, Column.Type.STRING, false, "Query parameter '" + attribute + "' of the hit"));
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
	 * The column values of one event, keyed by column name in column order: strings,
	 * {@link Instant} for timestamps, {@link Integer} for the status; absent values are
	 * {@code null}.
	 */
	public Map<String, Object> values(TrackingEvent event, Instant receivedAt) {
		Map<String, Object> values = new LinkedHashMap<>(this.columns.size() * 2);
		Map<String, String> attributes = event.attributes();
		// Indexed: the list iterator showed up as an allocation per row in the profile.
		for (int i = 0; i < this.attributes.size(); i++) {
			String attribute = this.attributes.get(i);
			values.put(attribute, attributes.get(attribute));
		}
		values.put("event_time", event.eventTime());
		values.put("message_id", event.messageId());
		values.put("user_agent", event.userAgent());
		values.put("remote_ip", event.remoteIp());
		values.put("referer", event.referer());
		values.put("status", event.status());
		values.put("received_at", receivedAt);
		return values;
	}

}
