package dev.pixelpipeline.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import dev.pixelpipeline.parse.Json;
import dev.pixelpipeline.parse.PubSubMessage;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;

/**
 * Serves {@code /pixel.png} on a laptop, standing in for the load balancer: it answers
 * the pixel and feeds a LogEntry made from the request through the same parse-and-store
 * path as a push.
 */
@RestController
@ConditionalOnProperty(prefix = "pipeline.local-pixel", name = "enabled", havingValue = "true", matchIfMissing = true)
class LocalPixelController {

	private final MessageProcessor processor;

	private final Clock clock;

	private final Duration budget;

	private final byte[] pixel;

	LocalPixelController(MessageProcessor processor, Clock clock, PushSettings settings) {
		this.processor = processor;
		this.clock = clock;
		this.budget = settings.deadline();
		this.pixel = pixelBytes();
	}

	static byte[] pixelBytes() {
		try (InputStream in = LocalPixelController.class.getResourceAsStream("/static-pixel/pixel.png")) {
			if (in == null) {
				throw new IllegalStateException("pixel.png is missing from the classpath (static-pixel/pixel.png)");
			}
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read pixel.png from the classpath", ex);
		}
	}

	@GetMapping("${pipeline.pixel-path:/pixel.png}")
	CompletableFuture<ResponseEntity<byte[]>> pixel(HttpServletRequest request) {
		String query = request.getQueryString();
		String url = request.getRequestURL() + ((query != null) ? "?" + query : "");
		byte[] logEntry = logEntry(url, request.getHeader(HttpHeaders.USER_AGENT), request.getRemoteAddr(),
				request.getHeader(HttpHeaders.REFERER));
		PubSubMessage message = new PubSubMessage(UUID.randomUUID().toString(), this.clock.instant().toString(),
				Map.of(), logEntry, null);
		return this.processor.process(new Delivery(message, DeliveryKind.LOCAL_PIXEL, null, null), this.budget)
			.thenApply(
					(outcome) -> ResponseEntity.status(outcome.isAck() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
						.contentType(MediaType.IMAGE_PNG)
						.cacheControl(CacheControl.noStore())
						.body(this.pixel));
	}

	private byte[] logEntry(String url, String userAgent, String remoteIp, String referer) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(512);
		try (JsonGenerator json = Json.FACTORY.createGenerator(ObjectWriteContext.empty(), out)) {
			json.writeStartObject();
			json.writeStringProperty("insertId", UUID.randomUUID().toString());
			json.writeStringProperty("timestamp", this.clock.instant().toString());
			json.writeName("httpRequest");
			json.writeStartObject();
			json.writeStringProperty("requestMethod", "GET");
			json.writeStringProperty("requestUrl", url);
			json.writeNumberProperty("status", 200);
			json.writeStringProperty("userAgent", userAgent);
			json.writeStringProperty("remoteIp", remoteIp);
			json.writeStringProperty("referer", referer);
			json.writeEndObject();
			json.writeEndObject();
		}
		return out.toByteArray();
	}

}
