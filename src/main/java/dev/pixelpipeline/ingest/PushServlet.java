package dev.pixelpipeline.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.pixelpipeline.parse.Json;
import dev.pixelpipeline.parse.PubSubMessage;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.ServerHttpObservationFilter;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;

/**
 * The Pub/Sub push endpoint, {@code POST /pubsub/push}. Maps each {@link Outcome} to the
 * answer Pub/Sub understands, in one place: 204 acks (stored, ignored, bad row); 503 and
 * 429 are redelivered (429 also shrinks the push window); 400 says the request was not a
 * Pub/Sub delivery at all; 413 refuses a body over the limit.
 *
 * <p>
 * A plain asynchronous servlet rather than a Spring MVC handler: every push waits for its
 * batch, and MVC answers a waiting request by dispatching it through the filters and the
 * {@code DispatcherServlet} a second time, which cost about as much CPU as the rest of
 * the push. Here the request is put in asynchronous mode once and completed with its
 * status when the row's future completes; servlet filters (security, tracing,
 * observation) still see it once.
 */
public final class PushServlet extends HttpServlet {

	/** Where Pub/Sub pushes. */
	public static final String PATH = "/pubsub/push";

	private static final String[] METADATA_HEADERS = { PushEnvelopeDecoder.MESSAGE_ID_HEADER,
			PushEnvelopeDecoder.PUBLISH_TIME_HEADER, PushEnvelopeDecoder.SUBSCRIPTION_HEADER,
			PubSubMessage.LOGGING_TIMESTAMP_ATTRIBUTE };

	private final transient MessageProcessor processor;

	private final transient PipelineMetrics metrics;

	private final transient PushSettings settings;

	public PushServlet(MessageProcessor processor, PipelineMetrics metrics, PushSettings settings) {
		this.processor = processor;
		this.metrics = metrics;
		this.settings = settings;
	}

	@Override
	protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
		ServerHttpObservationFilter.findObservationContext(request)
			.ifPresent((context) -> context.setPathPattern(PATH));
		// Read the raw stream: the emulator sends unwrapped JSON as
		// x-www-form-urlencoded, which must not be parsed into form parameters.
		if (request.getContentLengthLong() > this.settings.maxBodyBytes()) {
			answer(response, HttpStatus.CONTENT_TOO_LARGE, "body too large");
			return;
		}
		byte[] body;
		try (InputStream in = request.getInputStream()) {
			body = in.readNBytes(this.settings.maxBodyBytes() + 1);
		}
		if (body.length > this.settings.maxBodyBytes()) {
			answer(response, HttpStatus.CONTENT_TOO_LARGE, "body too large");
			return;
		}
		Map<String, String> headers = new HashMap<>(8);
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
			answer(response, HttpStatus.BAD_REQUEST, ex.getMessage());
			return;
		}
		Duration budget = this.settings.deadline();
		AsyncContext async = request.startAsync();
		// The future answers at the deadline at the latest; the container's own timeout
		// is only a backstop for a future that never completes.
		async.setTimeout(budget.toMillis() + 5_000);
		AtomicBoolean answered = new AtomicBoolean();
		async.addListener(new BackstopListener(answered));
		this.processor.process(delivery, budget)
			.completeOnTimeout(Outcome.retry("deadline"), budget.toMillis() + 250, TimeUnit.MILLISECONDS)
			.whenComplete((outcome, failure) -> {
				if (answered.compareAndSet(false, true)) {
					try {
						answer((HttpServletResponse) async.getResponse(),
								(failure != null) ? Outcome.retry("internal_error") : outcome);
					}
					catch (IOException | RuntimeException ex) {
						// The client has gone; Pub/Sub redelivers what it did not see
						// answered.
					}
					finally {
						async.complete();
					}
				}
			});
	}

	private void answer(HttpServletResponse response, Outcome outcome) throws IOException {
		switch (outcome.kind()) {
			case STORED, IGNORED, BAD_ROW -> answer(response, HttpStatus.NO_CONTENT, null);
			case OVERLOADED -> answer(response, HttpStatus.TOO_MANY_REQUESTS, "overloaded, retry later");
			case RETRY -> answer(response, HttpStatus.SERVICE_UNAVAILABLE, "store unavailable, retry later");
		}
	}

	private void answer(HttpServletResponse response, HttpStatus status, String error) throws IOException {
		this.metrics.pushResponse(status.value());
		response.setStatus(status.value());
		if (error != null) {
			ByteArrayOutputStream body = new ByteArrayOutputStream(64);
			try (JsonGenerator json = Json.FACTORY.createGenerator(ObjectWriteContext.empty(), body)) {
				json.writeStartObject();
				json.writeStringProperty("error", error);
				json.writeEndObject();
			}
			response.setContentType("application/json");
			response.setContentLength(body.size());
			body.writeTo(response.getOutputStream());
		}
	}

	/** Answers 503 if the container times the push out before its future completed. */
	private final class BackstopListener implements AsyncListener {

		private final AtomicBoolean answered;

		BackstopListener(AtomicBoolean answered) {
			this.answered = answered;
		}

		@Override
		public void onTimeout(AsyncEvent event) throws IOException {
			if (this.answered.compareAndSet(false, true)) {
				answer((HttpServletResponse) event.getAsyncContext().getResponse(), Outcome.retry("deadline"));
				event.getAsyncContext().complete();
			}
		}

		@Override
		public void onComplete(AsyncEvent event) {
		}

		@Override
		public void onError(AsyncEvent event) {
			this.answered.set(true);
		}

		@Override
		public void onStartAsync(AsyncEvent event) {
		}

	}

}
