package dev.pixelpipeline.store;

import java.time.Duration;

/**
 * How a {@link BatchingSink} groups rows.
 *
 * @param maxRows a batch is written once it has this many rows
 * @param maxBytes a batch is written before its estimated size passes this many bytes
 * @param maxDelay a batch is written at the latest this long after its first row arrived
 * @param maxPending rows waiting beyond this bound are refused as overloaded (HTTP 429),
 * never queued
 * @param writers how many batches may be written at the same time
 * @param maxIdle a batch is written before {@code maxDelay} once no row has arrived for
 * this long: the pushes that came together (a burst, or the pushes answered by the
 * previous write coming back) are in, and waiting longer would only add latency; equal to
 * {@code maxDelay} to always wait the full delay
 */
public record BatchSettings(int maxRows, long maxBytes, Duration maxDelay, int maxPending, int writers,
		Duration maxIdle) {

	public BatchSettings {
		if (maxRows < 1 || maxBytes < 1 || maxPending < 1 || writers < 1 || maxDelay.isNegative()
				|| maxIdle.isNegative()) {
			throw new IllegalArgumentException(
					"batch settings must be positive: " + maxRows + " rows, " + maxBytes + " bytes, " + maxPending
							+ " pending, " + writers + " writers, delay " + maxDelay + ", idle " + maxIdle);
		}
	}

	/** Settings that always wait the full {@code maxDelay} for a batch to fill. */
	public BatchSettings(int maxRows, long maxBytes, Duration maxDelay, int maxPending, int writers) {
		this(maxRows, maxBytes, maxDelay, maxPending, writers, maxDelay);
	}

}
