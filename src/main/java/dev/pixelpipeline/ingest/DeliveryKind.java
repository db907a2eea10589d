package dev.pixelpipeline.ingest;

/** How a message reached the pipeline; the {@code delivery} tag of the metrics. */
public enum DeliveryKind {

	/** A push with the default JSON wrapper. */
	PUSH_WRAPPED("push-wrapped"),
	/** A push with {@code noWrapper}: the body is the message data. */
	PUSH_UNWRAPPED("push-unwrapped"),
	/** A streaming-pull subscriber. */
	PULL("pull"),
	/** The local {@code /pixel.png} endpoint of the embedded mode. */
	LOCAL_PIXEL("local-pixel");

	private final String tag;

	DeliveryKind(String tag) {
		this.tag = tag;
	}

	/** The metric tag value. */
	public String tag() {
		return this.tag;
	}

}
