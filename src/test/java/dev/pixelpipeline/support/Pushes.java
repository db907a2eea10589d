package dev.pixelpipeline.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one place tests build what Pub/Sub delivers and post it to the app: load balancer
 * LogEntries, push bodies, and the push request itself.
 *
 * <p>
 * Arguments come in one order everywhere: the id first ({@code insertId} of a LogEntry,
 * {@code messageId} of a push), then what it carries.
 */
public final class Pushes {

	/** Today's table date, as the table suffix has it. */
	public static final DateTimeFormatter TABLE_DATE = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

	/** The event time of {@link #pixelHit} and of the fixtures. */
	public static final String EVENT_TIME = "2026-10-04T09:15:22.431998Z";

	/** The subscription a push body names unless told otherwise. */
	public static final String SUBSCRIPTION = "projects/p/subscriptions/pixel-push";

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private Pushes() {
	}

	/**
	 * A LogEntry of a GET for {@code requestUrl} now, as an HTTP(S) load balancer logs
	 * it.
	 */
	public static String logEntry(String insertId, String requestUrl) {
		return "{\"insertId\":" + quote(insertId) + ",\"timestamp\":\"" + Instant.now() + "\",\"httpRequest\":{"
				+ "\"requestMethod\":\"GET\",\"requestUrl\":" + quote(requestUrl) + ",\"status\":200,"
				+ "\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0\",\"remoteIp\":\"203.0.113.54:51324\","
				+ "\"referer\":\"https://www.example.com/checkout\"},\"logName\":\"projects/p/logs/requests\"}";
	}

	/**
	 * A LogEntry of one pixel hit for {@code userId} at {@link #EVENT_TIME}, so that its
	 * table is {@code pixel_<userId>_20261004} whenever the test runs.
	 */
	public static String pixelHit(String insertId, String userId) {
		return "{\"insertId\":" + quote(insertId) + ",\"timestamp\":\"" + EVENT_TIME + "\",\"httpRequest\":"
				+ "{\"requestMethod\":\"GET\",\"requestUrl\":\"https://track.example.com/pixel.png?user_id=" + userId
				+ "&type=view\",\"status\":200,\"userAgent\":\"test\",\"remoteIp\":\"203.0.113.54:51324\"},"
				+ "\"logName\":\"projects/example-project/logs/requests\"}";
	}

	/** The table a hit for {@code userId} today lands in. */
	public static String table(String userId) {
		return "pixel_" + userId + "_" + TABLE_DATE.format(Instant.now());
	}

	/**
	 * A push body of {@code data}, published now, from {@link #SUBSCRIPTION}; change what
	 * a test needs with the {@link Body} methods.
	 */
	public static Body body(String messageId, byte[] data) {
		return new Body(messageId, data, Instant.now().toString(), Map.of(), SUBSCRIPTION, null, false);
	}

	/** A wrapped push body of {@code data}. */
	public static String wrapped(String messageId, byte[] data) {
		return body(messageId, data).json();
	}

	/** A wrapped push body of a LogEntry. */
	public static String wrapped(String messageId, String logEntry) {
		return wrapped(messageId, logEntry.getBytes(StandardCharsets.UTF_8));
	}

	/** A wrapped push body of a pixel hit for {@code userId} now. */
	public static String wrappedHit(String messageId, String userId) {
		return wrapped(messageId,
				logEntry(messageId, "https://track.example.com/pixel.png?user_id=" + userId + "&type=view"));
	}

	/**
	 * A push body exactly as Pub/Sub pushes a Cloud Logging export: the
	 * {@code logging.googleapis.com/timestamp} attribute, both spellings of the message
	 * id and publish time, and fixed times.
	 */
	public static String exported(String messageId, String logEntry) {
		return body(messageId, logEntry.getBytes(StandardCharsets.UTF_8))
			.attribute("logging.googleapis.com/timestamp", EVENT_TIME)
			.publishedAt("2026-10-04T09:15:23.118Z")
			.from("projects/example-project/subscriptions/pixel-push")
			.withSnakeCaseCopies()
			.json();
	}

	/**
	 * POSTs a push body to {@code /pubsub/push} and answers the response.
	 */
	public static HttpResponse<String> push(int port, String body) throws IOException, InterruptedException {
		return push(port, body, null);
	}

	/**
	 * POSTs a push body to {@code /pubsub/push}, with {@code Authorization} when
	 * {@code authorization} is set, and answers the response.
	 */
	public static HttpResponse<String> push(int port, String body, String authorization)
			throws IOException, InterruptedException {
		HttpRequest.Builder request = request(port, body, Duration.ofSeconds(20));
		if (authorization != null) {
			request.header("Authorization", authorization);
		}
		return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * POSTs a push body and answers its status, or -1 when the connection failed (as
	 * Pub/Sub would see a stopped server).
	 */
	public static int status(int port, String body) {
		try {
			return HTTP
				.send(request(port, body, Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding())
				.statusCode();
		}
		catch (IOException ex) {
			return -1;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return -1;
		}
	}

	/** A push request to the app on {@code port}, to change before sending it. */
	public static HttpRequest.Builder request(int port, String body, Duration timeout) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pubsub/push"))
			.timeout(timeout)
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
	}

	/** A JSON string literal. */
	public static String quote(String text) {
		StringBuilder out = new StringBuilder(text.length() + 2).append('"');
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			switch (c) {
				case '"' -> out.append("\\\"");
				case '\\' -> out.append("\\\\");
				default -> {
					if (c < 0x20) {
						out.append(String.format("\\u%04x", (int) c));
					}
					else {
						out.append(c);
					}
				}
			}
		}
		return out.append('"').toString();
	}

	/**
	 * A wrapped push body: what Pub/Sub POSTs for one message.
	 *
	 * @param messageId the Pub/Sub message id
	 * @param data the message data, sent base64-encoded
	 * @param publishTime the RFC 3339 publish time
	 * @param attributes the message attributes, in order
	 * @param subscription the subscription that pushes it
	 * @param deliveryAttempt the delivery attempt Pub/Sub reports with a dead-letter
	 * policy, or {@code null}
	 * @param snakeCaseCopies whether {@code message_id} and {@code publish_time} repeat
	 * the id and time, as Pub/Sub writes them
	 */
	public record Body(String messageId, byte[] data, String publishTime, Map<String, String> attributes,
			String subscription, Integer deliveryAttempt, boolean snakeCaseCopies) {

		/** This body with one more attribute. */
		public Body attribute(String name, String value) {
			Map<String, String> more = new LinkedHashMap<>(this.attributes);
			more.put(name, value);
			return new Body(this.messageId, this.data, this.publishTime, more, this.subscription, this.deliveryAttempt,
					this.snakeCaseCopies);
		}

		/** This body published at {@code publishTime}. */
		public Body publishedAt(String publishTime) {
			return new Body(this.messageId, this.data, publishTime, this.attributes, this.subscription,
					this.deliveryAttempt, this.snakeCaseCopies);
		}

		/** This body pushed from {@code subscription}. */
		public Body from(String subscription) {
			return new Body(this.messageId, this.data, this.publishTime, this.attributes, subscription,
					this.deliveryAttempt, this.snakeCaseCopies);
		}

		/** This body with Pub/Sub's {@code deliveryAttempt}, or without when null. */
		public Body deliveryAttempt(Integer attempt) {
			return new Body(this.messageId, this.data, this.publishTime, this.attributes, this.subscription, attempt,
					this.snakeCaseCopies);
		}

		/** This body with {@code message_id} and {@code publish_time} too. */
		public Body withSnakeCaseCopies() {
			return new Body(this.messageId, this.data, this.publishTime, this.attributes, this.subscription,
					this.deliveryAttempt, true);
		}

		/** The JSON Pub/Sub POSTs. */
		public String json() {
			StringBuilder json = new StringBuilder("{\"message\":{");
			if (!this.attributes.isEmpty()) {
				json.append("\"attributes\":{");
				String separator = "";
				for (Map.Entry<String, String> attribute : this.attributes.entrySet()) {
					json.append(separator)
						.append(quote(attribute.getKey()))
						.append(':')
						.append(quote(attribute.getValue()));
					separator = ",";
				}
				json.append("},");
			}
			json.append("\"data\":\"").append(Base64.getEncoder().encodeToString(this.data)).append('"');
			json.append(",\"messageId\":").append(quote(this.messageId));
			if (this.snakeCaseCopies) {
				json.append(",\"message_id\":").append(quote(this.messageId));
			}
			json.append(",\"publishTime\":").append(quote(this.publishTime));
			if (this.snakeCaseCopies) {
				json.append(",\"publish_time\":").append(quote(this.publishTime));
			}
			json.append("},\"subscription\":").append(quote(this.subscription));
			if (this.deliveryAttempt != null) {
				json.append(",\"deliveryAttempt\":").append(this.deliveryAttempt);
			}
			return json.append('}').toString();
		}

	}

}
