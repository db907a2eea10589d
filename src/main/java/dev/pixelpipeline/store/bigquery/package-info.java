/**
 * The BigQuery adapter: {@code tabledata.insertAll} on template tables with
 * {@code templateSuffix}, its own retry budget, the template table as code, and its
 * health. {@link dev.pixelpipeline.store.bigquery.BigQueryStore} is the one public entry
 * point, for {@code config}; everything else is package-private. Depends on {@code store}
 * only.
 */
package dev.pixelpipeline.store.bigquery;
