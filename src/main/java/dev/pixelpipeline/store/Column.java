package dev.pixelpipeline.store;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

import dev.pixelpipeline.parse.TrackingEvent;

/**
 * One column of the event tables, the same in every store: its name, its type and how its
 * value is read from a hit.
 *
 * @param name the column name, also the JSON key sent to BigQuery
 * @param type the column type
 * @param required whether every row has a value (BigQuery mode {@code REQUIRED})
 * @param description what the column holds, copied into the BigQuery schema
 * @param reader reads the column's value from a hit, as {@link Type} says
 */
public record Column(String name, Type type, boolean required, String description, Reader reader) {

	/** Reads one column's value from a hit. */
	@FunctionalInterface
	public interface Reader {

		/**
		 * The value of the column for this hit.
		 * @param event the parsed hit
		 * @param receivedAt when the pipeline received it
		 * @return the value in the Java form its {@link Type} names, or {@code null}
		 */
		Object read(TrackingEvent event, Instant receivedAt);

	}

	/**
	 * The column types the pipeline uses, named as BigQuery names them. Each type knows
	 * how every store spells it; a new type is a new constant here, and the compiler then
	 * points at every switch that must say how to store it.
	 */
	public enum Type {

		/** Text: a {@link String} value. */
		STRING,
		/**
		 * An absolute point in time, stored and shown in UTC: an {@link Instant} value.
		 */
		TIMESTAMP,
		/** A 64-bit integer: an {@link Integer} or {@link Long} value. */
		INTEGER,
		/** True or false: a {@link Boolean} value. */
		BOOLEAN;

		private static final DateTimeFormatter RFC_3339_UTC = DateTimeFormatter
			.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
			.withZone(ZoneOffset.UTC);

		/** The DuckDB column type of the embedded store. */
		public String duckDbType() {
			return switch (this) {
				case STRING -> "VARCHAR";
				case TIMESTAMP -> "TIMESTAMP";
				case INTEGER -> "BIGINT";
				case BOOLEAN -> "BOOLEAN";
			};
		}

		/**
		 * The BigQuery column type as BigQuery's JSON schema spells it (the legacy SQL
		 * name, which {@code bq mk --schema} takes).
		 */
		public String bigQueryType() {
			return switch (this) {
				case STRING -> "STRING";
				case TIMESTAMP -> "TIMESTAMP";
				case INTEGER -> "INTEGER";
				case BOOLEAN -> "BOOLEAN";
			};
		}

		/**
		 * A non-null value as insertAll JSON: timestamps as RFC 3339 UTC with
		 * microseconds (BigQuery's precision), the others as they are.
		 */
		public Object json(Object value) {
			return switch (this) {
				case STRING, INTEGER, BOOLEAN -> value;
				case TIMESTAMP -> RFC_3339_UTC.format(((Instant) value).truncatedTo(ChronoUnit.MICROS));
			};
		}

	}

}
