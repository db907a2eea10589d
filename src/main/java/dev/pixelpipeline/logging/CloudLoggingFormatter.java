package dev.pixelpipeline.logging;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import org.springframework.boot.logging.structured.JsonWriterStructuredLogFormatter;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Writes each log event as one JSON line in the shape Cloud Logging reads from a
 * container's stdout: {@code severity}, {@code message}, {@code time}, the trace of the
 * request ({@code logging.googleapis.com/trace}, {@code spanId}, {@code trace_sampled})
 * so that lines group under their request, and an error's stack trace in
 * {@code stack_trace} so that Error Reporting picks it up.
 *
 * <p>
 * Enabled with
 * {@code logging.structured.format.console=dev.pixelpipeline.logging.CloudLoggingFormatter}
 * (the {@code gcp} profile does). The trace's project comes from
 * {@code spring.cloud.gcp.project-id}, else the {@code GOOGLE_CLOUD_PROJECT} environment
 * variable; without one, the bare trace id is written.
 */
public class CloudLoggingFormatter extends JsonWriterStructuredLogFormatter<ILoggingEvent> {

	/** The Cloud Logging field that ties a line to its trace. */
	public static final String TRACE_FIELD = "logging.googleapis.com/trace";

	/** The Cloud Logging field with the span of the line. */
	public static final String SPAN_FIELD = "logging.googleapis.com/spanId";

	/** The Cloud Logging field saying whether the trace was sampled. */
	public static final String SAMPLED_FIELD = "logging.googleapis.com/trace_sampled";

	/**
	 * The Cloud Logging field with free-form labels: the other MDC entries and the
	 * logger.
	 */
	public static final String LABELS_FIELD = "logging.googleapis.com/labels";

	private static final String ERROR_EVENT_TYPE = "type.googleapis.com/"
			+ "google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent";

	public CloudLoggingFormatter(Environment environment) {
		this(projectId(environment));
	}

	CloudLoggingFormatter(String projectId) {
		super((members) -> {
			members.add("time", (event) -> Instant.ofEpochMilli(event.getTimeStamp()).toString());
			members.add("severity", (event) -> severity(event.getLevel()));
			members.add("message", CloudLoggingFormatter::message);
			members.add(TRACE_FIELD, (event) -> trace(projectId, event.getMDCPropertyMap().get(TraceContext.TRACE_ID)))
				.whenNotNull();
			members.add(SPAN_FIELD, (event) -> event.getMDCPropertyMap().get(TraceContext.SPAN_ID)).whenNotNull();
			members.add(SAMPLED_FIELD, (event) -> sampled(event.getMDCPropertyMap().get(TraceContext.SAMPLED)))
				.whenNotNull();
			members.add(LABELS_FIELD, CloudLoggingFormatter::labels);
			members.add("stack_trace", (event) -> stackTrace(event.getThrowableProxy())).whenNotNull();
			members.add("@type", CloudLoggingFormatter::errorType).whenNotNull();
		}, null);
	}

	private static String projectId(Environment environment) {
		String configured = environment.getProperty("spring.cloud.gcp.project-id");
		return StringUtils.hasText(configured) ? configured : environment.getProperty("GOOGLE_CLOUD_PROJECT");
	}

	static String severity(Level level) {
		return switch (level.toInt()) {
			case Level.ERROR_INT -> "ERROR";
			case Level.WARN_INT -> "WARNING";
			case Level.INFO_INT -> "INFO";
			default -> "DEBUG";
		};
	}

	private static String message(ILoggingEvent event) {
		String message = event.getFormattedMessage();
		if (event.getThrowableProxy() != null) {
			// Error Reporting reads the exception from the message text as well; keep the
			// first line there.
			IThrowableProxy throwable = event.getThrowableProxy();
			return message + ": " + throwable.getClassName()
					+ ((throwable.getMessage() != null) ? ": " + throwable.getMessage() : "");
		}
		return message;
	}

	static String trace(String projectId, String traceId) {
		if (!StringUtils.hasText(traceId)) {
			return null;
		}
		return StringUtils.hasText(projectId) ? "projects/" + projectId + "/traces/" + traceId : traceId;
	}

	private static Boolean sampled(String value) {
		return (value != null) ? Boolean.valueOf(value) : null;
	}

	private static Map<String, String> labels(ILoggingEvent event) {
		Map<String, String> labels = new LinkedHashMap<>();
		labels.put("logger", event.getLoggerName());
		labels.put("thread", event.getThreadName());
		event.getMDCPropertyMap().forEach((key, value) -> {
			if (!TraceContext.KEYS.contains(key)) {
				labels.put(key, value);
			}
		});
		return labels;
	}

	private static String errorType(ILoggingEvent event) {
		boolean error = event.getThrowableProxy() != null && event.getLevel().isGreaterOrEqual(Level.ERROR);
		return error ? ERROR_EVENT_TYPE : null;
	}

	private static String stackTrace(IThrowableProxy throwable) {
		return (throwable != null) ? ThrowableProxyUtil.asString(throwable) : null;
	}

}
