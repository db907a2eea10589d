package dev.pixelpipeline.ingest;

import java.time.Duration;

/**
 * How the push endpoint answers.
 *
 * @param deadline how long a push may wait for its rows to be stored before it is
 * answered 503; keep it under the subscription's ack deadline
 * @param maxBodyBytes larger bodies are refused with 413
 */
public record PushSettings(Duration deadline, int maxBodyBytes) {
}
