package dev.pixelpipeline.store;

import java.util.Map;

/**
 * One row to store: its table, its dedup id and its column values.
 *
 * @param table where the row goes
 * @param messageId the dedup id (primary key in the embedded store, {@code insertId} in
 * BigQuery)
 * @param values the column values keyed by column name, in {@link RowSchema} order
 * @param estimatedBytes a cheap upper estimate of the row's JSON size, for request byte
 * budgets
 */
public record EventRow(TableName table, String messageId, Map<String, Object> values, int estimatedBytes) {

	/** Builds a row and estimates its size from its values. */
	public static EventRow of(TableName table, String messageId, Map<String, Object> values) {
		int bytes = 64 + table.full().length();
		for (Map.Entry<String, Object> entry : values.entrySet()) {
			Object value = entry.getValue();
			bytes += entry.getKey().length() + 8;
			if (value instanceof String text) {
				bytes += text.length() * 3;
			}
			else if (value != null) {
				bytes += 32;
			}
		}
		return new EventRow(table, messageId, values, bytes);
	}

}
