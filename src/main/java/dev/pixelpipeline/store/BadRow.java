package dev.pixelpipeline.store;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * A message that could not become a row, kept so nothing vanishes silently.
 *
 * @param messageId the Pub/Sub message id (or the id the pipeline derived)
 * @param reason a stable reason code such as {@code not_json} or {@code invalid}
 * @param detail a short explanation
 * @param receivedAt when the pipeline received the message
 * @param payload the original message data, as text
 * @param subscription the subscription that delivered it, or {@code null}
 */
public record BadRow(String messageId, String reason, String detail, Instant receivedAt, String payload,
		String subscription) {

	/** The payload as text: UTF-8 when it is, else {@code base64:} and its Base64. */
	public static String payloadText(byte[] payload) {
		if (payload == null) {
			return null;
		}
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(payload))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return "base64:" + Base64.getEncoder().encodeToString(payload);
		}
	}

}
