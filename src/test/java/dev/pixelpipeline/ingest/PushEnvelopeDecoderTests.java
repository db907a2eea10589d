package dev.pixelpipeline.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import dev.pixelpipeline.parse.PubSubMessage;
import dev.pixelpipeline.support.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class PushEnvelopeDecoderTests {

	@Test
	void decodesTheWrappedDeliveryWithCamelAndSnakeCaseIds() throws Exception {
		Delivery delivery = PushEnvelopeDecoder.decode(Fixtures.bytes("push-wrapped.json"), Map.of());
		PubSubMessage message = delivery.message();
		assertThat(delivery.kind()).isEqualTo(DeliveryKind.PUSH_WRAPPED);
		assertThat(delivery.poisonReason()).isNull();
		assertThat(message.messageId()).isEqualTo("13579246801");
		assertThat(message.publishTime()).isEqualTo("2026-10-04T09:15:23.118Z");
		assertThat(message.subscription()).isEqualTo("projects/example-project/subscriptions/pixel-push");
		assertThat(message.attributes()).containsEntry(PubSubMessage.LOGGING_TIMESTAMP_ATTRIBUTE,
				"2026-10-04T09:15:22.431998Z");
		assertThat(new String(message.data(), StandardCharsets.UTF_8)).contains("\"insertId\": \"w2x4y6z8a0b2c4\"");
	}

	@Test
	void acceptsSnakeCaseOnlyIdsAndDeliveryAttempt() throws Exception {
		String body = "{\"message\":{\"data\":\"e30=\",\"message_id\":\"42\",\"publish_time\":\"2026-10-04T09:15:23Z\"},"
				+ "\"subscription\":\"s\",\"deliveryAttempt\":3}";
		Delivery delivery = PushEnvelopeDecoder.decode(body.getBytes(StandardCharsets.UTF_8), Map.of());
		assertThat(delivery.message().messageId()).isEqualTo("42");
		assertThat(delivery.message().publishTime()).isEqualTo("2026-10-04T09:15:23Z");
		assertThat(delivery.deliveryAttempt()).isEqualTo(3);
	}

	@Test
	void marksDataThatIsNotBase64AsPoisonAndKeepsItsText() throws Exception {
		Delivery delivery = PushEnvelopeDecoder.decode(
				"{\"message\":{\"data\":\"*not*base64*\",\"messageId\":\"7\"}}".getBytes(StandardCharsets.UTF_8),
				Map.of());
		assertThat(delivery.poisonReason()).isEqualTo("not_base64");
		assertThat(new String(delivery.message().data(), StandardCharsets.UTF_8)).isEqualTo("*not*base64*");
	}

	@Test
	void readsUnwrappedMetadataFromHeaders() throws Exception {
		Delivery delivery = PushEnvelopeDecoder.decode(Fixtures.bytes("cdn-cache-hit.json"),
				Map.of(PushEnvelopeDecoder.MESSAGE_ID_HEADER, "13579246801", PushEnvelopeDecoder.PUBLISH_TIME_HEADER,
						"2026-10-04T09:15:23.118Z", PushEnvelopeDecoder.SUBSCRIPTION_HEADER,
						"projects/example-project/subscriptions/pixel-push-raw"));
		assertThat(delivery.kind()).isEqualTo(DeliveryKind.PUSH_UNWRAPPED);
		assertThat(delivery.message().messageId()).isEqualTo("13579246801");
		assertThat(delivery.message().subscription()).endsWith("pixel-push-raw");
		assertThat(delivery.message().data()).isEqualTo(Fixtures.bytes("cdn-cache-hit.json"));
	}

	@Test
	void anUnwrappedPoisonBodyWithMetadataIsStillADelivery() throws Exception {
		Delivery delivery = PushEnvelopeDecoder.decode("garbage".getBytes(StandardCharsets.UTF_8),
				Map.of(PushEnvelopeDecoder.MESSAGE_ID_HEADER, "9"));
		assertThat(delivery.kind()).isEqualTo(DeliveryKind.PUSH_UNWRAPPED);
		assertThat(delivery.message().messageId()).isEqualTo("9");
	}

	@Test
	void recognisesAnUnwrappedLogEntryWithoutMetadata() throws Exception {
		Delivery delivery = PushEnvelopeDecoder.decode(Fixtures.bytes("backend-response.json"), Map.of());
		assertThat(delivery.kind()).isEqualTo(DeliveryKind.PUSH_UNWRAPPED);
		assertThat(delivery.message().messageId()).isNull();
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "{}", "null", "not json", "[{\"message\":{}}]", "{\"message\":[]}",
			"{\"subscription\":\"s\"}", "{\"message\":{}}{}" })
	void refusesWhatIsNotADelivery(String body) {
		assertThatExceptionOfType(PushEnvelopeDecoder.NotADeliveryException.class)
			.isThrownBy(() -> PushEnvelopeDecoder.decode(body.getBytes(StandardCharsets.UTF_8), Map.of()));
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', textBlock = """
			standard alphabet                  | "e30="          | {}
			standard alphabet without padding  | "e30"           | {}
			URL-safe alphabet                  | "Pz8_"          | ???
			JSON escapes in the text           | "e30\\u003d"  | {}
			a number (two bytes, 0xd7 'm')     | 123             | \u00d7m
			""")
	void decodesDataWhateverItsTextForm(String name, String data, String expected) throws Exception {
		Delivery delivery = PushEnvelopeDecoder.decode(
				("{\"message\":{\"data\":" + data + ",\"messageId\":\"7\"}}").getBytes(StandardCharsets.UTF_8),
				Map.of());
		assertThat(delivery.poisonReason()).isNull();
		assertThat(delivery.message().data()).isEqualTo(expected.getBytes(StandardCharsets.ISO_8859_1));
	}

	@Test
	void keepsNonAsciiDataAsUtf8PoisonAndTheLastDataFieldWins() throws Exception {
		Delivery delivery = PushEnvelopeDecoder.decode(
				"{\"message\":{\"data\":\"e30=\",\"data\":\"d\u00e9j\u00e0\"}}".getBytes(StandardCharsets.UTF_8),
				Map.of());
		assertThat(delivery.poisonReason()).isEqualTo("not_base64");
		assertThat(new String(delivery.message().data(), StandardCharsets.UTF_8)).isEqualTo("d\u00e9j\u00e0");
	}

}
