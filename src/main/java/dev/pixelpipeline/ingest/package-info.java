/**
 * Ingest: how messages reach the pipeline (the push servlet, the streaming-pull
 * subscriber, the local pixel endpoint), envelope decoding, the one message path
 * ({@link dev.pixelpipeline.ingest.MessageProcessor}, which maps every row result to an
 * ack outcome) and the pipeline's meters. Calls {@code parse} and the {@code store}
 * ports; only {@code config}, {@code web} and {@code security} may depend on it.
 */
package dev.pixelpipeline.ingest;
