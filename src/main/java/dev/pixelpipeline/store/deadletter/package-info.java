/**
 * The dead-letter adapter: bad rows published to a Pub/Sub topic, acked only once Pub/Sub
 * accepted them. {@link dev.pixelpipeline.store.deadletter.DeadLetterBadRowSink} is the
 * entry point for {@code config}. Depends on {@code store} only.
 */
package dev.pixelpipeline.store.deadletter;
