package dev.pixelpipeline.parse;

/**
 * What parsing one message gave: a hit to store, a message to ignore on purpose, or
 * poison to keep as a bad row.
 */
public sealed interface ParseResult {

	/** A pixel hit to store. */
	record Hit(TrackingEvent event) implements ParseResult {
	}

	/**
	 * A well-formed log entry that is not a pixel hit (another path, another method);
	 * acked, counted, not stored.
	 */
	record Ignored(String reason) implements ParseResult {
	}

	/**
	 * A message that can never become a row; acked and recorded as a bad row.
	 *
	 * @param reason a stable reason code such as {@code not_json}
	 * @param detail a short human-readable explanation, free of user-controlled line
	 * breaks
	 */
	record Poison(String reason, String detail) implements ParseResult {
	}

}
