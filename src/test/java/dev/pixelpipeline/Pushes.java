package dev.pixelpipeline;

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

/**
 * Builds real-shaped load balancer LogEntries and Pub/Sub push bodies, and sends them
 * over HTTP, for tests.
 */
public final class Pushes {

	/** Today's table date, as the table suffix has it. */
	public static final DateTimeFormatter TABLE_DATE = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

	private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private Pushes() {
	}

	/**
	 * A LogEntry of a GET for {@code requestUrl}, as an HTTP(S) load balancer logs it.
	 */
	public static String logEntry(String insertId, String requestUrl) {
		return "{\"insertId\":" + quote(insertId) + ",\"timestamp\":\"" + Instant.now() + "\",\"httpRequest\":{"
				+ "\"requestMethod\":\"GET\",\"requestUrl\":" + quote(requestUrl) + ",\"status\":200,"
				+ "\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0\",\"remoteIp\":\"203.0.113.54:51324\","
				+ "\"referer\":\"https://www.example.com/checkout\"},\"logName\":\"projects/p/logs/requests\"}";
	}

	/** A wrapped push of {@code data}. */
	public static String wrapped(String messageId, byte[] data) {
		return "{\"message\":{\"data\":\"" + Base64.getEncoder().encodeToString(data) + "\",\"messageId\":"
				+ quote(messageId) + ",\"publishTime\":\"" + Instant.now() + "\"},"
				+ "\"subscription\":\"projects/p/subscriptions/pixel-push\"}";
	}

	/** A wrapped push of a pixel hit for {@code userId}. */
	public static String wrappedHit(String messageId, String userId) {
		String entry = logEntry(messageId, "https://track.example.com/pixel.png?user_id=" + userId + "&type=view");
		return wrapped(messageId, entry.getBytes(StandardCharsets.UTF_8));
	}

	/** The table a hit for {@code userId} today lands in. */
	public static String table(String userId) {
		return "pixel_" + userId + "_" + TABLE_DATE.format(Instant.now());
	}

	/**
	 * POSTs {@code body} to {@code /pubsub/push}, with {@code Authorization} when
	 * {@code authorization} is set.
	 */
	public static HttpResponse<String> push(int port, String body, String authorization) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/pubsub/push"))
			.timeout(Duration.ofSeconds(20))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body));
		if (authorization != null) {
			request.header("Authorization", authorization);
		}
		return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	/** GETs a path of the app. */
	public static HttpResponse<String> get(int port, String pathAndQuery) throws Exception {
		return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + pathAndQuery))
			.timeout(Duration.ofSeconds(20))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	/** Sends a request as built. */
	public static HttpResponse<String> send(HttpRequest request) throws Exception {
		return client.send(request, HttpResponse.BodyHandlers.ofString());
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

}
