package dev.pixelpipeline.store;

/**
 * What became of one row handed to a sink. Values, not exceptions: callers map them to
 * acks and status codes.
 *
 * @param status the outcome
 * @param reason a stable reason code ({@code invalid}, {@code backend_error}, …),
 * {@code null} when stored
 * @param detail a short explanation for logs and bad rows, {@code null} when stored
 */
public record RowResult(Status status, String reason, String detail) {

	/** The outcomes of a row. */
	public enum Status {

		/** Durably stored. */
		STORED,
		/** Already stored before (a redelivery); as good as stored. */
		DUPLICATE,
		/**
		 * The store refused this row for itself (schema, size): keep it as a bad row and
		 * ack.
		 */
		REJECTED,
		/** The store failed transiently: do not ack, let Pub/Sub redeliver. */
		RETRY,
		/** The sink is full: do not ack, and ask Pub/Sub to slow down. */
		OVERLOADED

	}

	private static final RowResult STORED = new RowResult(Status.STORED, null, null);

	private static final RowResult DUPLICATE = new RowResult(Status.DUPLICATE, null, null);

	/** The row is stored. */
	public static RowResult stored() {
		return STORED;
	}

	/** The row was stored before. */
	public static RowResult duplicate() {
		return DUPLICATE;
	}

	/** The store refused the row for itself. */
	public static RowResult rejected(String reason, String detail) {
		return new RowResult(Status.REJECTED, reason, detail);
	}

	/** The store failed transiently. */
	public static RowResult retry(String reason, String detail) {
		return new RowResult(Status.RETRY, reason, detail);
	}

	/** The sink is at its bound. */
	public static RowResult overloaded(String detail) {
		return new RowResult(Status.OVERLOADED, "overloaded", detail);
	}

	/** Whether the row is durably stored (now or before), so its message may be acked. */
	public boolean isStored() {
		return this.status == Status.STORED || this.status == Status.DUPLICATE;
	}

}
