package dev.pixelpipeline.logging;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TraceContextTests {

	@Test
	void readsW3cTraceparent() {
		TraceContext trace = TraceContext.from("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", null);
		assertThat(trace).isEqualTo(new TraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true));
	}

	@Test
	void readsCloudTraceContextWithDecimalSpanAsHex() {
		TraceContext trace = TraceContext.from(null, "105445aa7843bc8bf206b12000100000/1;o=1");
		assertThat(trace).isEqualTo(new TraceContext("105445aa7843bc8bf206b12000100000", "0000000000000001", true));
		assertThat(TraceContext.from(null, "105445AA7843BC8BF206B12000100000/18446744073709551615;o=0"))
			.isEqualTo(new TraceContext("105445aa7843bc8bf206b12000100000", "ffffffffffffffff", false));
		assertThat(TraceContext.from(null, "105445aa7843bc8bf206b12000100000"))
			.isEqualTo(new TraceContext("105445aa7843bc8bf206b12000100000", null, null));
	}

	@Test
	void traceparentWinsOverCloudTraceContext() {
		TraceContext trace = TraceContext.from("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
				"105445aa7843bc8bf206b12000100000/1;o=1");
		assertThat(trace.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
		assertThat(trace.sampled()).isFalse();
	}

	@Test
	void ignoresInvalidHeaders() {
		assertThat(TraceContext.from(null, null)).isNull();
		assertThat(TraceContext.from("00-00000000000000000000000000000000-00f067aa0ba902b7-01", null)).isNull();
		assertThat(TraceContext.from("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", null)).isNull();
		assertThat(TraceContext.from("garbage\n{\"severity\":\"ERROR\"}", "also/garbage")).isNull();
		// A bad traceparent falls back to a good X-Cloud-Trace-Context.
		assertThat(TraceContext.from("00-xyz", "105445aa7843bc8bf206b12000100000/7").spanId())
			.isEqualTo("0000000000000007");
	}

}
