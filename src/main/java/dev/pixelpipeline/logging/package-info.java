/**
 * Logging: the Cloud Logging JSON line format, the trace context of a request, and
 * {@link dev.pixelpipeline.logging.LogText}, which makes outside text safe to log.
 * Imports no other package of the pipeline; any package but {@code parse} (which stays
 * free of Spring) may depend on it.
 */
package dev.pixelpipeline.logging;
