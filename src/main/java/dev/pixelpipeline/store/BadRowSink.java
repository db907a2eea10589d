package dev.pixelpipeline.store;

import java.util.concurrent.CompletableFuture;

/**
 * The port for bad rows: the embedded bad-rows table by default, a dead-letter topic in
 * production.
 */
public interface BadRowSink {

	/**
	 * Records a bad row durably.
	 * @return completes when recorded; completes exceptionally when it could not be, and
	 * then the message must not be acked
	 */
	CompletableFuture<Void> record(BadRow badRow);

	/** A short name for metrics and logs. */
	String name();

	/**
	 * Whether bad rows can be recorded, for readiness. May block; the caller bounds the
	 * wait.
	 */
	StoreHealth health();

}
