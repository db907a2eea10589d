/**
 * The embedded DuckDB adapter: {@link dev.pixelpipeline.store.embedded.EmbeddedDatabase}
 * (the write side and the entry point for {@code config}: its batch writer, bad-row sink
 * and health) and {@link dev.pixelpipeline.store.embedded.EmbeddedReads} (the reads the
 * web API uses). Depends on {@code store} and {@code logging}; {@code config} and
 * {@code web} depend on it.
 */
package dev.pixelpipeline.store.embedded;
