/**
 * The read API under {@code /api} and the local page at {@code /}, on only while the
 * embedded store is open and {@code pipeline.read-api.enabled} is on
 * ({@link dev.pixelpipeline.config.ConditionalOnReadApi}). Reads through
 * {@code store.embedded.EmbeddedReads}; nothing depends on it.
 */
package dev.pixelpipeline.web;
