package dev.pixelpipeline.store;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.pixelpipeline.parse.TrackingEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TableNamerTests {

	private static final List<String> ATTRIBUTES = List.of("user_id", "order_id", "type");

	private static TrackingEvent event(String userId, String eventTime) {
		Map<String, String> attributes = new LinkedHashMap<>();
		if (userId != null) {
			attributes.put("user_id", userId);
		}
		attributes.put("type", "click");
		return new TrackingEvent("m", attributes, Instant.parse(eventTime), null, null, null, 200);
	}

	@ParameterizedTest(name = "user_id={0} at {1} -> {2}")
	@CsvSource(delimiter = '|', nullValues = "null", textBlock = """
			507f1f77bcf86cd799439011 | 2026-11-28T10:00:00Z        | pixel_507f1f77bcf86cd799439011_20261128
			guest-77                 | 2026-10-04T09:16:01.002Z    | pixel_guest_77_20261004
			null                     | 2026-10-04T09:16:01Z        | pixel_unknown_20261004
			''                       | 2026-10-04T09:16:01Z        | pixel_unknown_20261004
			a.b@c d/é                | 2026-10-04T23:59:59.999999Z | pixel_a_b_c_d___20261004
			""")
	void namesTablesByUserAndUtcDay(String userId, String eventTime, String expected) {
		TableNamer namer = new TableNamer("pixel", "_{user_id}_{date}", ATTRIBUTES);
		TableName name = namer.name(event(userId, eventTime));
		assertThat(name.full()).isEqualTo(expected);
		assertThat(name.template()).isEqualTo("pixel");
		assertThat(name.suffix()).isEqualTo(expected.substring("pixel".length()));
	}

	@Test
	void emptySuffixIsOneTable() {
		TableNamer namer = new TableNamer("pixel", "", ATTRIBUTES);
		assertThat(namer.name(event("u1", "2026-11-28T10:00:00Z")).full()).isEqualTo("pixel");
	}

	@Test
	void staysWithinBigQueryTableNameLengthAndKeepsLongNamesApart() {
		TableNamer namer = new TableNamer("pixel", "_{user_id}_{date}", ATTRIBUTES);
		String a = namer.name(event("a".repeat(1024), "2026-11-28T10:00:00Z")).full();
		String b = namer.name(event("a".repeat(1023) + "b", "2026-11-28T10:00:00Z")).full();
		assertThat(a).hasSize(TableNamer.MAX_TABLE_NAME).matches("[A-Za-z0-9_]+");
		assertThat(b).hasSize(TableNamer.MAX_TABLE_NAME).isNotEqualTo(a);
	}

	@Test
	void refusesPatternsThatCannotWork() {
		assertThatIllegalArgumentException().isThrownBy(() -> new TableNamer("pixel", "_{campaign}", ATTRIBUTES))
			.withMessageContaining("{campaign}");
		assertThatIllegalArgumentException().isThrownBy(() -> new TableNamer("pixel", "_{user_id", ATTRIBUTES))
			.withMessageContaining("unclosed");
		assertThatIllegalArgumentException().isThrownBy(() -> new TableNamer("pix-el", "", ATTRIBUTES))
			.withMessageContaining("pipeline.table.template");
	}

	@Test
	void rowSchemaRefusesAttributesThatClashWithFixedColumns() {
		assertThatIllegalArgumentException().isThrownBy(() -> RowSchema.of(List.of("user_id", "status")))
			.withMessageContaining("status");
		assertThatIllegalArgumentException().isThrownBy(() -> RowSchema.of(List.of("user_id", "IS_BOT")))
			.withMessageContaining("IS_BOT");
		assertThatIllegalArgumentException().isThrownBy(() -> RowSchema.of(List.of("user-id")))
			.withMessageContaining("user-id");
		assertThat(RowSchema.of(ATTRIBUTES).columns()).extracting(Column::name)
			.containsExactly("user_id", "order_id", "type", "event_time", "message_id", "user_agent", "remote_ip",
					"referer", "status", "received_at", "device_class", "agent_name", "agent_major", "os_name",
					"is_bot", "referer_host");
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "2026-11-28T10:00:00Z", "2026-12-31T23:59:59.999999999Z", "2024-02-29T12:00:00Z",
			"0999-01-02T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "+10000-01-01T00:00:00Z",
			"-0001-06-15T00:00:00Z" })
	void writesTheDateAsTheYyyyMmDdFormatterDoes(String eventTime) {
		Instant time = Instant.parse(eventTime);
		String formatted = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC).format(time);
		TableNamer namer = new TableNamer("pixel", "_{date}", ATTRIBUTES);
		assertThat(namer.name(event("u1", eventTime)).suffix()).isEqualTo("_" + TableNamer.sanitize(formatted));
	}

}
