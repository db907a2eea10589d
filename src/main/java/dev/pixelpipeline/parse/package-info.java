/**
 * Parse: a Pub/Sub message carrying a load balancer LogEntry becomes a
 * {@link dev.pixelpipeline.parse.TrackingEvent} or a reason it is not one. Pure
 * functions: no Spring, no I/O, and no import of any other package of the pipeline; any
 * package may depend on it.
 */
package dev.pixelpipeline.parse;
