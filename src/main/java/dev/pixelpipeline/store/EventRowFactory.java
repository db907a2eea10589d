package dev.pixelpipeline.store;

import java.time.Instant;

import dev.pixelpipeline.parse.TrackingEvent;

/**
 * Builds the row a hit becomes: its table from the {@link TableNamer}, its values from
 * the {@link RowSchema}, its dedup id from the hit.
 */
public final class EventRowFactory {

	private final TableNamer tableNamer;

	private final RowSchema schema;

	public EventRowFactory(TableNamer tableNamer, RowSchema schema) {
		this.tableNamer = tableNamer;
		this.schema = schema;
	}

	/**
	 * The row for one hit.
	 * @param event the parsed hit
	 * @param receivedAt when the pipeline received it (the {@code received_at} column)
	 */
	public EventRow row(TrackingEvent event, Instant receivedAt) {
		return EventRow.of(this.tableNamer.name(event), event.messageId(), this.schema.values(event, receivedAt));
	}

}
