package dev.pixelpipeline.logging;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Puts the request's trace ({@code traceparent} or {@code X-Cloud-Trace-Context}) into
 * the MDC while the request is handled, so that {@link CloudLoggingFormatter} ties each
 * log line to it.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class TraceContextFilter extends OncePerRequestFilter {

	static final String TRACEPARENT = "traceparent";

	static final String CLOUD_TRACE_CONTEXT = "X-Cloud-Trace-Context";

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		TraceContext trace = TraceContext.from(request.getHeader(TRACEPARENT), request.getHeader(CLOUD_TRACE_CONTEXT));
		if (trace == null) {
			chain.doFilter(request, response);
			return;
		}
		put(trace);
		try {
			chain.doFilter(request, response);
		}
		finally {
			clear();
		}
	}

	@Override
	protected boolean shouldNotFilterAsyncDispatch() {
		// The push endpoint answers asynchronously; its completion is logged in the async
		// dispatch as well.
		return false;
	}

	private static void put(TraceContext trace) {
		MDC.put(TraceContext.TRACE_ID, trace.traceId());
		if (trace.spanId() != null) {
			MDC.put(TraceContext.SPAN_ID, trace.spanId());
		}
		if (trace.sampled() != null) {
			MDC.put(TraceContext.SAMPLED, trace.sampled().toString());
		}
	}

	private static void clear() {
		for (String key : TraceContext.KEYS) {
			MDC.remove(key);
		}
	}

}
