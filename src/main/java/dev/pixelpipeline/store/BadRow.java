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
 * @param data the original message data, byte for byte (what a dead-letter topic
 * receives), or {@code null} when only the text is known
 */
public record BadRow(String messageId, String reason, String detail, Instant receivedAt, String payload,
		String subscription, byte[] data) {

	/** A bad row known only by its payload text. */
	public BadRow(String messageId, String reason, String detail, Instant receivedAt, String payload,
			String subscription) {
		this(messageId, reason, detail, receivedAt, payload, subscription, null);
	}

	/** The original data: {@link #data()} when known, else the payload text as UTF-8. */
	public byte[] originalData() {
		if (this.data != null) {
			return this.data;
		}
		return (this.payload != null) ? this.payload.getBytes(StandardCharsets.UTF_8) : new byte[0];
	}

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
