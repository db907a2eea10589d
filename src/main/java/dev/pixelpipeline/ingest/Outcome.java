package dev.pixelpipeline.ingest;

/**
 * What became of one delivered message: the single value every ingest path (push, pull,
 * local pixel) maps to its answer.
 *
 * @param kind the outcome
 * @param reason a stable reason code for ignored, bad and retried messages, else
 * {@code null}
 */
public record Outcome(Kind kind, String reason) {

	/** The outcomes of a message. */
	public enum Kind {

		/** Stored (or stored before: a redelivery). Ack. */
		STORED,
		/** Not a pixel hit; deliberately not stored. Ack. */
		IGNORED,
		/** Poison, recorded as a bad row. Ack. */
		BAD_ROW,
		/** A transient failure: do not ack, Pub/Sub redelivers. */
		RETRY,
		/** The pipeline is at its bound: do not ack, and slow down. */
		OVERLOADED

	}

	/**
	 * Whether the message may be acked: it is stored, ignored on purpose, or kept as a
	 * bad row.
	 */
	public boolean isAck() {
		return this.kind == Kind.STORED || this.kind == Kind.IGNORED || this.kind == Kind.BAD_ROW;
	}

	static Outcome stored() {
		return new Outcome(Kind.STORED, null);
	}

	static Outcome ignored(String reason) {
		return new Outcome(Kind.IGNORED, reason);
	}

	static Outcome badRow(String reason) {
		return new Outcome(Kind.BAD_ROW, reason);
	}

	static Outcome retry(String reason) {
		return new Outcome(Kind.RETRY, reason);
	}

	static Outcome overloaded() {
		return new Outcome(Kind.OVERLOADED, "overloaded");
	}

}
