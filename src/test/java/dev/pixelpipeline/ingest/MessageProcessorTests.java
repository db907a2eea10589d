package dev.pixelpipeline.ingest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.pixelpipeline.ingest.Outcome.Kind;
import dev.pixelpipeline.parse.HitParser;
import dev.pixelpipeline.parse.ParserSettings;
import dev.pixelpipeline.parse.PubSubMessage;
import dev.pixelpipeline.store.BadRow;
import dev.pixelpipeline.store.EventRow;
import dev.pixelpipeline.store.RowResult;
import dev.pixelpipeline.store.EventRowFactory;
import dev.pixelpipeline.store.RowSchema;
import dev.pixelpipeline.store.TableNamer;
import dev.pixelpipeline.support.Fixtures;
import dev.pixelpipeline.support.InMemoryBadRowSink;
import dev.pixelpipeline.support.InMemoryEventSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The ack contract without a server: what the one message path answers for each parse
 * result and each {@link RowResult} of the sink, with in-memory sinks that record what
 * reached them.
 */
class MessageProcessorTests {

	private static final List<String> ATTRIBUTES = List.of("user_id", "order_id", "type");

	private static final Instant NOW = Instant.parse("2026-10-04T09:15:24Z");

	private final InMemoryEventSink sink = new InMemoryEventSink();

	private final InMemoryBadRowSink badRows = new InMemoryBadRowSink();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final MessageProcessor processor = new MessageProcessor(
			new HitParser(ParserSettings.of("/pixel.png", ATTRIBUTES, true, false)),
			new EventRowFactory(new TableNamer("pixel", "_{user_id}_{date}", ATTRIBUTES), RowSchema.of(ATTRIBUTES)),
			this.sink, this.badRows, new PipelineMetrics(this.registry), Clock.fixed(NOW, ZoneOffset.UTC));

	static Stream<Arguments> rowResults() {
		return Stream.of(Arguments.of(RowResult.stored(), Kind.STORED, null, true),
				Arguments.of(RowResult.duplicate(), Kind.STORED, null, true),
				Arguments.of(RowResult.rejected("invalid", "no such field: campaign"), Kind.BAD_ROW, "invalid", true),
				Arguments.of(RowResult.retry("backend_error", "503 from BigQuery"), Kind.RETRY, "backend_error", false),
				Arguments.of(RowResult.overloaded("20000 rows pending"), Kind.OVERLOADED, "overloaded", false));
	}

	@ParameterizedTest(name = "{0} -> {1}")
	@MethodSource("rowResults")
	void eachRowResultMapsToOneOutcome(RowResult result, Kind kind, String reason, boolean ack) {
		this.sink.answering(result);

		Outcome outcome = process(hit("m-1"));

		assertThat(outcome.kind()).isEqualTo(kind);
		assertThat(outcome.reason()).isEqualTo(reason);
		assertThat(outcome.isAck()).as("acked").isEqualTo(ack);
		assertThat(this.sink.rows()).as("the one row submitted").singleElement().satisfies((row) -> {
			assertThat(row.messageId()).isEqualTo("1q2w3e4r5t6y7u");
			assertThat(row.table().full()).isEqualTo("pixel_5f2b8c1e9a7d3e4f6a1b2c3d_20261004");
		});
		assertThat(this.registry.get(PipelineMetrics.STORED).tag("sink", "in-memory").counter().count())
			.as("counted as stored")
			.isEqualTo(result.isStored() ? 1 : 0);
	}

	@Test
	void aRowTheStoreRejectsIsKeptAsABadRowUnderThePubSubMessageId() {
		this.sink.answering(RowResult.rejected("invalid", "no such field: campaign"));

		process(hit("m-1"));

		assertThat(this.badRows.badRows()).singleElement().satisfies((badRow) -> {
			assertThat(badRow.messageId()).isEqualTo("m-1");
			assertThat(badRow.reason()).isEqualTo("invalid");
			assertThat(badRow.detail()).isEqualTo("no such field: campaign");
			assertThat(badRow.payload()).contains("5f2b8c1e9a7d3e4f6a1b2c3d");
		});
	}

	@Test
	void aRejectedRowWhoseBadRowCannotBeRecordedIsRetried() {
		this.sink.answering(RowResult.rejected("invalid", "no such field: campaign"));
		this.badRows.failing(new IOException("topic unreachable"));

		Outcome outcome = process(hit("m-1"));

		assertThat(outcome).isEqualTo(new Outcome(Kind.RETRY, "bad_row_sink_error"));
		assertThat(outcome.isAck()).isFalse();
	}

	@Test
	void aSinkThatFailsUnexpectedlyIsRetried() {
		this.sink.failing(new IllegalStateException("boom"));

		Outcome outcome = process(hit("m-1"));

		assertThat(outcome).isEqualTo(new Outcome(Kind.RETRY, "sink_error"));
		assertThat(this.badRows.badRows()).isEmpty();
	}

	@Test
	void anEntryThatIsNotAHitIsIgnoredAndNotStored() {
		Outcome outcome = process(message("m-2", Fixtures.bytes("not-the-pixel.json")));

		assertThat(outcome).isEqualTo(new Outcome(Kind.IGNORED, "other_path"));
		assertThat(outcome.isAck()).isTrue();
		assertThat(this.sink.rows()).isEmpty();
		assertThat(this.badRows.badRows()).isEmpty();
	}

	@Test
	void poisonIsAckedAsABadRowAndNeverReachesTheSink() {
		Outcome outcome = process(message("m-3", "not json".getBytes(StandardCharsets.UTF_8)));

		assertThat(outcome).isEqualTo(new Outcome(Kind.BAD_ROW, "not_json"));
		assertThat(outcome.isAck()).isTrue();
		assertThat(this.sink.rows()).isEmpty();
		assertThat(this.badRows.badRows()).extracting(BadRow::messageId, BadRow::reason)
			.containsExactly(tuple("m-3", "not_json"));
	}

	@Test
	void dataTheDeliveryAlreadyFoundPoisonIsABadRowWithItsReason() {
		Delivery delivery = new Delivery(new PubSubMessage("m-4", null, Map.of(), new byte[] { 1, 2 }, null),
				DeliveryKind.PUSH_WRAPPED, "not_base64", null);

		Outcome outcome = process(delivery);

		assertThat(outcome).isEqualTo(new Outcome(Kind.BAD_ROW, "not_base64"));
		assertThat(this.sink.rows()).isEmpty();
		assertThat(this.badRows.badRows()).extracting(BadRow::reason).containsExactly("not_base64");
	}

	@Test
	void poisonWhoseBadRowCannotBeRecordedIsRetried() {
		this.badRows.failing(new IOException("topic unreachable"));

		Outcome outcome = process(message("m-5", "not json".getBytes(StandardCharsets.UTF_8)));

		assertThat(outcome).isEqualTo(new Outcome(Kind.RETRY, "bad_row_sink_error"));
	}

	private Outcome process(Delivery delivery) {
		return this.processor.process(delivery, Duration.ofSeconds(9)).join();
	}

	private static Delivery hit(String messageId) {
		return message(messageId, Fixtures.bytes("cdn-cache-hit.json"));
	}

	private static Delivery message(String messageId, byte[] data) {
		return new Delivery(new PubSubMessage(messageId, "2026-10-04T09:15:23.118Z", Map.of(), data,
				"projects/p/subscriptions/pixel-push"), DeliveryKind.PUSH_WRAPPED, null, null);
	}

}
