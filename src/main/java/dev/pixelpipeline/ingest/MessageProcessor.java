package dev.pixelpipeline.ingest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.pixelpipeline.parse.HitParser;
import dev.pixelpipeline.logging.LogText;
import dev.pixelpipeline.parse.ParseResult;
import dev.pixelpipeline.parse.PubSubMessage;
import dev.pixelpipeline.parse.TrackingEvent;
import dev.pixelpipeline.store.BadRow;
import dev.pixelpipeline.store.BadRowSink;
import dev.pixelpipeline.store.EventRow;
import dev.pixelpipeline.store.EventRowFactory;
import dev.pixelpipeline.store.EventSink;
import dev.pixelpipeline.store.RowResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The one path every message takes, whatever delivered it: parse, then store the hit,
 * ignore it, or keep it as a bad row. Answers an {@link Outcome} without holding the
 * caller's thread while the sink works.
 */
public final class MessageProcessor {

	private static final Logger logger = LoggerFactory.getLogger(MessageProcessor.class);

	private final HitParser parser;

	private final EventRowFactory rows;

	private final EventSink sink;

	private final BadRowSink badRows;

	private final PipelineMetrics metrics;

	private final Clock clock;

	public MessageProcessor(HitParser parser, EventRowFactory rows, EventSink sink, BadRowSink badRows,
			PipelineMetrics metrics, Clock clock) {
		this.parser = parser;
		this.rows = rows;
		this.sink = sink;
		this.badRows = badRows;
		this.metrics = metrics;
		this.clock = clock;
		metrics.sink(sink.name());
	}

	/**
	 * Processes one delivered message.
	 * @param delivery the message and how it came
	 * @param budget how long the caller waits for the answer (the ack deadline less a
	 * margin)
	 * @return the outcome; never completes exceptionally
	 */
	public CompletableFuture<Outcome> process(Delivery delivery, Duration budget) {
		Instant receivedAt = this.clock.instant();
		Instant deadline = receivedAt.plus(budget);
		PubSubMessage message = delivery.message();
		this.metrics.received(delivery);
		if (delivery.poisonReason() != null) {
			return bad(message, HitParser.messageId(message, null), delivery.poisonReason(),
					"message data is not base64", receivedAt);
		}
		ParseResult result = this.parser.parse(message, receivedAt);
		if (result instanceof ParseResult.Hit hit) {
			return store(message, hit.event(), receivedAt, deadline);
		}
		if (result instanceof ParseResult.Ignored ignored) {
			this.metrics.ignored(ignored.reason());
			return CompletableFuture.completedFuture(Outcome.ignored(ignored.reason()));
		}
		ParseResult.Poison poison = (ParseResult.Poison) result;
		return bad(message, HitParser.messageId(message, null), poison.reason(), poison.detail(), receivedAt);
	}

	private CompletableFuture<Outcome> store(PubSubMessage message, TrackingEvent event, Instant receivedAt,
			Instant deadline) {
		EventRow row = this.rows.row(event, receivedAt);
		Map<String, String> logContext = MDC.getCopyOfContextMap();
		return this.sink.submit(row, deadline).thenCompose((result) -> {
			switch (result.status()) {
				case STORED, DUPLICATE -> {
					this.metrics.stored(this.sink.name(), result, event.eventTime(), this.clock.instant());
					if (Boolean.TRUE.equals(event.bot()) && result.status() == RowResult.Status.STORED) {
						this.metrics.bot();
					}
					return CompletableFuture.completedFuture(Outcome.stored());
				}
				case REJECTED -> {
					// Bad rows are keyed by the Pub/Sub message id, like every other bad
					// row.
					return bad(message, HitParser.messageId(message, null), result.reason(), result.detail(),
							receivedAt);
				}
				case OVERLOADED -> {
					return CompletableFuture.completedFuture(Outcome.overloaded());
				}
				default -> {
					return CompletableFuture.completedFuture(Outcome.retry(result.reason()));
				}
			}
		}).exceptionally((ex) -> {
			withLogContext(logContext,
					() -> logger.error("Storing message {} in the {} sink failed unexpectedly; it will be redelivered",
							LogText.safe(event.messageId()), this.sink.name(), ex));
			return Outcome.retry("sink_error");
		});
	}

	private CompletableFuture<Outcome> bad(PubSubMessage message, String messageId, String reason, String detail,
			Instant receivedAt) {
		BadRow badRow = new BadRow(messageId, reason, detail, receivedAt, BadRow.payloadText(message.data()),
				message.subscription(), message.data());
		Map<String, String> logContext = MDC.getCopyOfContextMap();
		return this.badRows.record(badRow).handle((ignored, ex) -> {
			if (ex != null) {
				withLogContext(logContext,
						() -> logger.error(
								"Bad row for message {} ({}) could not be recorded in {}; it will be redelivered: {}",
								LogText.safe(messageId), LogText.safe(reason), this.badRows.name(),
								LogText.safe(ex.getMessage())));
				return Outcome.retry("bad_row_sink_error");
			}
			this.metrics.bad(reason);
			withLogContext(logContext, () -> logger.info("Bad row: message {} reason {} ({})", LogText.safe(messageId),
					LogText.safe(reason), LogText.safe(detail)));
			return Outcome.badRow(reason);
		});
	}

	/**
	 * Logs with the request's context (its trace id) on whatever thread the sink
	 * completed on, so that the line is correlated with the push request in Cloud
	 * Logging.
	 */
	private static void withLogContext(Map<String, String> context, Runnable log) {
		if (context == null || context.isEmpty()) {
			log.run();
			return;
		}
		Map<String, String> previous = MDC.getCopyOfContextMap();
		MDC.setContextMap(context);
		try {
			log.run();
		}
		finally {
			if (previous != null) {
				MDC.setContextMap(previous);
			}
			else {
				MDC.clear();
			}
		}
	}

}
