package dev.pixelpipeline.logging;

import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

class CloudLoggingFormatterTests {

	private final JsonMapper json = JsonMapper.builder().build();

	private final LoggerContext context = new LoggerContext();

	private LoggingEvent event(Level level, String message, Map<String, String> mdc, Throwable error) {
		LoggingEvent event = new LoggingEvent("test", this.context.getLogger("dev.pixelpipeline.ingest.Push"), level,
				message, error, null);
		event.setTimeStamp(1_795_000_000_123L);
		event.setThreadName("http-nio-1");
		event.setMDCPropertyMap(mdc);
		return event;
	}

	@Test
	void writesOneJsonLineCloudLoggingUnderstands() {
		CloudLoggingFormatter formatter = new CloudLoggingFormatter(
				new MockEnvironment().withProperty("GOOGLE_CLOUD_PROJECT", "my-project"));
		String line = formatter.format(event(Level.WARN, "Bad row: message m1 reason not_json",
				Map.of(TraceContext.TRACE_ID, "4bf92f3577b34da6a3ce929d0e0e4736", TraceContext.SPAN_ID,
						"00f067aa0ba902b7", TraceContext.SAMPLED, "true", "subscription", "pixel"),
				null));
		assertThat(line).endsWith("\n").doesNotContain("\n{");
		assertThat(line.strip()).doesNotContain("\n");
		JsonNode node = this.json.readTree(line);
		assertThat(node.path("severity").asString()).isEqualTo("WARNING");
		assertThat(node.path("message").asString()).isEqualTo("Bad row: message m1 reason not_json");
		assertThat(node.path("time").asString()).isEqualTo("2026-11-18T11:06:40.123Z");
		assertThat(node.path(CloudLoggingFormatter.TRACE_FIELD).asString())
			.isEqualTo("projects/my-project/traces/4bf92f3577b34da6a3ce929d0e0e4736");
		assertThat(node.path(CloudLoggingFormatter.SPAN_FIELD).asString()).isEqualTo("00f067aa0ba902b7");
		assertThat(node.path(CloudLoggingFormatter.SAMPLED_FIELD).asBoolean()).isTrue();
		assertThat(node.path(CloudLoggingFormatter.LABELS_FIELD).path("subscription").asString()).isEqualTo("pixel");
		assertThat(node.path(CloudLoggingFormatter.LABELS_FIELD).path("logger").asString())
			.isEqualTo("dev.pixelpipeline.ingest.Push");
		assertThat(node.has("stack_trace")).isFalse();
	}

	@Test
	void errorsCarryTheirStackTraceForErrorReporting() {
		CloudLoggingFormatter formatter = new CloudLoggingFormatter((String) null);
		IllegalStateException error = new IllegalStateException("store closed");
		LoggingEvent event = event(Level.ERROR, "Storing message m1 in the embedded sink failed", Map.of(), error);
		JsonNode node = this.json.readTree(formatter.format(event));
		assertThat(node.path("severity").asString()).isEqualTo("ERROR");
		assertThat(node.path("message").asString()).startsWith("Storing message m1 in the embedded sink failed")
			.contains("IllegalStateException: store closed");
		assertThat(node.path("stack_trace").asString()).contains("IllegalStateException")
			.contains("CloudLoggingFormatterTests");
		assertThat(node.path("@type").asString()).endsWith("ReportedErrorEvent");
		assertThat(node.has(CloudLoggingFormatter.TRACE_FIELD)).isFalse();
	}

	@Test
	void withoutAProjectTheBareTraceIdIsWritten() {
		assertThat(CloudLoggingFormatter.trace(null, "abc")).isEqualTo("abc");
		assertThat(CloudLoggingFormatter.trace("p", null)).isNull();
		assertThat(CloudLoggingFormatter.severity(Level.DEBUG)).isEqualTo("DEBUG");
		assertThat(CloudLoggingFormatter.severity(Level.INFO)).isEqualTo("INFO");
	}

}
