package dev.pixelpipeline.store;

/**
 * One column of the event tables, the same in every store.
 *
 * @param name the column name, also the JSON key sent to BigQuery
 * @param type the column type
 * @param required whether every row has a value (BigQuery mode {@code REQUIRED})
 * @param description what the column holds, copied into the BigQuery schema
 */
public record Column(String name, Type type, boolean required, String description) {

	/** The column types the pipeline uses, named as BigQuery names them. */
	public enum Type {

		/** Text. */
		STRING,
		/** An absolute point in time, stored and shown in UTC. */
		TIMESTAMP,
		/** A 64-bit integer. */
		INTEGER

	}

}
