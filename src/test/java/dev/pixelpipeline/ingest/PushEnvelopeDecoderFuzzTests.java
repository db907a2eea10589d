package dev.pixelpipeline.ingest;

import java.util.HashMap;
import java.util.Map;

import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the push envelope decoder with arbitrary bodies: it answers a delivery or
 * {@code NotADeliveryException}, nothing else, and what it answers keeps its invariants.
 * {@code ./mvnw verify} replays the committed inputs in
 * {@code PushEnvelopeDecoderFuzzTestsInputs/decode}; {@code JAZZER_FUZZ=1} fuzzes for
 * real.
 */
class PushEnvelopeDecoderFuzzTests {

	@FuzzTest(maxDuration = "5m")
	void decode(byte[] input) {
		// The first byte chooses the metadata headers, as an unwrapped push with
		// writeMetadata would have them.
		boolean withMetadata = input.length > 0 && (input[0] & 1) == 1;
		byte[] body = (input.length > 0) ? java.util.Arrays.copyOfRange(input, 1, input.length) : input;
		Map<String, String> headers = new HashMap<>();
		if (withMetadata) {
			headers.put(PushEnvelopeDecoder.MESSAGE_ID_HEADER, "m-1");
		}
		Delivery delivery;
		try {
			delivery = PushEnvelopeDecoder.decode(body, headers);
		}
		catch (PushEnvelopeDecoder.NotADeliveryException ex) {
			assertThat(ex.getMessage()).isNotBlank();
			return;
		}
		assertThat(delivery.message()).isNotNull();
		assertThat(delivery.message().data()).isNotNull();
		assertThat(delivery.message().attributes()).hasSizeLessThanOrEqualTo(100);
		if (delivery.kind() == DeliveryKind.PUSH_UNWRAPPED) {
			assertThat(delivery.message().data()).isEqualTo(body);
			assertThat(delivery.poisonReason()).isNull();
		}
		else {
			assertThat(delivery.kind()).isEqualTo(DeliveryKind.PUSH_WRAPPED);
			assertThat(delivery.poisonReason()).isIn(null, "not_base64");
			assertThat(delivery.message().data().length).isLessThanOrEqualTo(body.length);
		}
	}

}
