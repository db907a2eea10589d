package dev.pixelpipeline.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * Builds pushes as Pub/Sub sends them and posts them straight to the app, for tests that
 * need the answers.
 */
public final class Pushes {

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private Pushes() {
	}

	/** A LogEntry of one pixel hit for the given user. */
	public static String logEntry(String userId, String insertId) {
		return "{\"insertId\":\"" + insertId + "\",\"timestamp\":\"2026-10-04T09:15:22.431998Z\",\"httpRequest\":"
				+ "{\"requestMethod\":\"GET\",\"requestUrl\":\"https://track.example.com/pixel.png?user_id=" + userId
				+ "&type=view\",\"status\":200,\"userAgent\":\"test\",\"remoteIp\":\"203.0.113.54:51324\"},"
				+ "\"logName\":\"projects/example-project/logs/requests\"}";
	}

	/** A wrapped push body. */
	public static String wrapped(String messageId, byte[] data) {
		return "{\"message\":{\"data\":\"" + Base64.getEncoder().encodeToString(data) + "\",\"messageId\":\""
				+ messageId + "\",\"publishTime\":\"" + Instant.now() + "\"},\"subscription\":"
				+ "\"projects/pixel-test/subscriptions/direct\"}";
	}

	/**
	 * Posts a push and answers its status, or -1 when the connection failed (as Pub/Sub
	 * would see a stopped server).
	 */
	public static int post(int port, String body) {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pubsub/push"))
			.timeout(Duration.ofSeconds(30))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
			.build();
		try {
			return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
		}
		catch (java.io.IOException ex) {
			return -1;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return -1;
		}
	}

}
