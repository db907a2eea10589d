/**
 * Configuration: {@link dev.pixelpipeline.config.PipelineProperties} (every
 * {@code pipeline.*} setting) and one {@code @Configuration} class per feature (core
 * pipeline, embedded store, BigQuery store, bad rows, ingest, observability), with the
 * one health indicator every store reports through. It may depend on every package; only
 * {@code web} and {@code security} depend on it, for the properties and conditions.
 */
package dev.pixelpipeline.config;
