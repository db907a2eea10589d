/**
 * Store: what every sink shares. The ports ({@link dev.pixelpipeline.store.EventSink},
 * {@link dev.pixelpipeline.store.BadRowSink},
 * {@link dev.pixelpipeline.store.BatchWriter},
 * {@link dev.pixelpipeline.store.BatchListener}) with their
 * {@link dev.pixelpipeline.store.StoreHealth}, the batching decorator and its settings,
 * rows and results, the row schema and table naming. Depends on {@code parse} only; the
 * adapters live in the sub-packages, and nothing here imports them, {@code ingest} or web
 * types.
 */
package dev.pixelpipeline.store;
