package dev.pixelpipeline.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.pixelpipeline.parse.PubSubMessage;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The Pub/Sub push endpoint. Maps each {@link Outcome} to the answer Pub/Sub understands,
 * in one place: 204 acks (stored, ignored, bad row); 503 and 429 are redelivered (429
 * also shrinks the push window); 400 says the request was not a Pub/Sub delivery at all;
 * 413 refuses a body over the limit.
 */
@RestController
class PushController {

	private static final String[] METADATA_HEADERS = { PushEnvelopeDecoder.MESSAGE_ID_HEADER,
			PushEnvelopeDecoder.PUBLISH_TIME_HEADER, PushEnvelopeDecoder.SUBSCRIPTION_HEADER,
			PubSubMessage.LOGGING_TIMESTAMP_ATTRIBUTE };

	private final MessageProcessor processor;

	private final PipelineMetrics metrics;

	private final PushSettings settings;

	PushController(MessageProcessor processor, PipelineMetrics metrics, PushSettings settings) {
		this.processor = processor;
		this.metrics = metrics;
		this.settings = settings;
	}

	@PostMapping("/pubsub/push")
	CompletableFuture<ResponseEntity<Object>> push(HttpServletRequest request) throws IOException {
		// Read the raw stream: the emulator sends unwrapped JSON as
		// x-www-form-urlencoded, which Spring would
		// otherwise rebuild from decoded form parameters.
		long declared = request.getContentLengthLong();
		if (declared > this.settings.maxBodyBytes()) {
			return CompletableFuture.completedFuture(answer(HttpStatus.CONTENT_TOO_LARGE, "body too large"));
		}
		byte[] body;
		try (InputStream in = request.getInputStream()) {
			body = in.readNBytes(this.settings.maxBodyBytes() + 1);
		}
		if (body.length > this.settings.maxBodyBytes()) {
			return CompletableFuture.completedFuture(answer(HttpStatus.CONTENT_TOO_LARGE, "body too large"));
		}
		Map<String, String> headers = new HashMap<>(4);
		for (String name : METADATA_HEADERS) {
			String value = request.getHeader(name);
			if (value != null) {
				headers.put(name, value);
			}
		}
		Delivery delivery;
		try {
			delivery = PushEnvelopeDecoder.decode(body, headers);
		}
		catch (PushEnvelopeDecoder.NotADeliveryException ex) {
			return CompletableFuture.completedFuture(answer(HttpStatus.BAD_REQUEST, ex.getMessage()));
		}
		Duration budget = this.settings.deadline();
		return this.processor.process(delivery, budget)
			.completeOnTimeout(Outcome.retry("deadline"), budget.toMillis() + 250, TimeUnit.MILLISECONDS)
			.thenApply(this::answer);
	}

	private ResponseEntity<Object> answer(Outcome outcome) {
		return switch (outcome.kind()) {
			case STORED, IGNORED, BAD_ROW -> answer(HttpStatus.NO_CONTENT, null);
			case OVERLOADED -> answer(HttpStatus.TOO_MANY_REQUESTS, "overloaded, retry later");
			case RETRY -> answer(HttpStatus.SERVICE_UNAVAILABLE, "store unavailable, retry later");
		};
	}

	private ResponseEntity<Object> answer(HttpStatus status, String error) {
		this.metrics.pushResponse(status.value());
		if (error == null) {
			return ResponseEntity.status(status).build();
		}
		return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(Map.of("error", error));
	}

}
