package dev.pixelpipeline.logging;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The trace a request belongs to, read from W3C {@code traceparent} or Google's
 * {@code X-Cloud-Trace-Context}, and the MDC keys it is kept under while the request is
 * handled.
 *
 * @param traceId 32 lower-case hex digits
 * @param spanId 16 lower-case hex digits, or {@code null}
 * @param sampled whether the caller sampled the trace, or {@code null} when it did not
 * say
 */
public record TraceContext(String traceId, String spanId, Boolean sampled) {

	/** MDC key of the trace id. */
	public static final String TRACE_ID = "trace_id";

	/** MDC key of the span id. */
	public static final String SPAN_ID = "span_id";

	/** MDC key of the sampled flag. */
	public static final String SAMPLED = "trace_sampled";

	static final Set<String> KEYS = Set.of(TRACE_ID, SPAN_ID, SAMPLED);

	private static final Pattern TRACEPARENT = Pattern
		.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?");

	private static final Pattern CLOUD_TRACE = Pattern.compile("([0-9a-fA-F]{32})(?:/([0-9]{1,20}))?(?:;o=([01]))?");

	private static final String INVALID_TRACE = "00000000000000000000000000000000";

	private static final String INVALID_SPAN = "0000000000000000";

	/**
	 * Reads the trace of a request; {@code traceparent} wins when both headers are valid.
	 * @param traceparent the W3C header, may be {@code null}
	 * @param cloudTraceContext the {@code X-Cloud-Trace-Context} header, may be
	 * {@code null}
	 * @return the trace, or {@code null} when neither header carries a valid one
	 */
	public static TraceContext from(String traceparent, String cloudTraceContext) {
		TraceContext w3c = fromTraceparent(traceparent);
		return (w3c != null) ? w3c : fromCloudTraceContext(cloudTraceContext);
	}

	static TraceContext fromTraceparent(String header) {
		if (header == null) {
			return null;
		}
		Matcher matcher = TRACEPARENT.matcher(header.trim().toLowerCase(Locale.ROOT));
		if (!matcher.matches() || "ff".equals(matcher.group(1)) || INVALID_TRACE.equals(matcher.group(2))
				|| INVALID_SPAN.equals(matcher.group(3))) {
			return null;
		}
		boolean sampled = (Integer.parseInt(matcher.group(4), 16) & 1) == 1;
		return new TraceContext(matcher.group(2), matcher.group(3), sampled);
	}

	static TraceContext fromCloudTraceContext(String header) {
		if (header == null) {
			return null;
		}
		Matcher matcher = CLOUD_TRACE.matcher(header.trim());
		if (!matcher.matches() || INVALID_TRACE.equals(matcher.group(1))) {
			return null;
		}
		String spanId = null;
		if (matcher.group(2) != null) {
			try {
				// The header carries the span as an unsigned decimal; Cloud Logging wants
				// 16 hex digits.
				long span = Long.parseUnsignedLong(matcher.group(2));
				spanId = (span != 0) ? String.format("%016x", span) : null;
			}
			catch (NumberFormatException overflow) {
				spanId = null;
			}
		}
		Boolean sampled = (matcher.group(3) != null) ? "1".equals(matcher.group(3)) : null;
		return new TraceContext(matcher.group(1).toLowerCase(Locale.ROOT), spanId, sampled);
	}

}
