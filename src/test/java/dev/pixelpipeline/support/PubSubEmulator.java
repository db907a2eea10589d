package dev.pixelpipeline.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Google's Pub/Sub emulator for end-to-end tests, driven through its REST admin API.
 *
 * <p>
 * Finds the emulator jar ({@code PUBSUB_EMULATOR_JAR} if set, else the Cloud SDK root
 * that {@code gcloud info} prints, then well-known SDK folders), starts it on a free
 * loopback port once per test JVM, and stops it when the JVM ends. Tests call
 * {@link #shared()}; where no emulator exists {@link RequiredTools} fails them (CI) or
 * skips them with one printed reason.
 */
public final class PubSubEmulator {

	/** The project the tests use; the emulator accepts any. */
	public static final String PROJECT = "pixel-test";

	/** The attribute a Cloud Logging sink sets on every message. */
	public static final String LOGGING_TIMESTAMP = "logging.googleapis.com/timestamp";

	private static final Logger logger = LoggerFactory.getLogger(PubSubEmulator.class);

	private static final String JAR_GLOB = "cloud-pubsub-emulator-*.jar";

	private static final String JAR_VARIABLE = "PUBSUB_EMULATOR_JAR";

	private static final List<String> WELL_KNOWN_SDK_ROOTS = List.of("/usr/lib/google-cloud-sdk",
			"/usr/share/google-cloud-sdk", "/opt/google-cloud-sdk", "/google-cloud-sdk",
			System.getProperty("user.home") + "/google-cloud-sdk");

	private static final ObjectMapper JSON = JsonMapper.builder().build();

	private static PubSubEmulator shared;

	private static String unavailable;

	private final Process process;

	private final int port;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	/** One message as a publisher hands it to Pub/Sub. */
	public record Message(byte[] data, Map<String, String> attributes) {

		/**
		 * A LogEntry as a Cloud Logging sink publishes it: the entry's JSON as data and
		 * the entry's timestamp in the {@code logging.googleapis.com/timestamp}
		 * attribute.
		 */
		public static Message logEntry(String logEntryJson) {
			JsonNode entry = JSON.readTree(logEntryJson);
			Map<String, String> attributes = new LinkedHashMap<>();
			if (entry.hasNonNull("timestamp")) {
				attributes.put(LOGGING_TIMESTAMP, entry.get("timestamp").asString());
			}
			return new Message(logEntryJson.getBytes(StandardCharsets.UTF_8), attributes);
		}

		/**
		 * A LogEntry without the logging timestamp attribute, for unwrapped push
		 * subscriptions: with {@code writeMetadata} Pub/Sub writes attributes as HTTP
		 * headers, and {@code logging.googleapis.com/timestamp} is not a legal header
		 * name.
		 */
		public static Message logEntryForUnwrappedPush(String logEntryJson) {
			return new Message(logEntryJson.getBytes(StandardCharsets.UTF_8), Map.of());
		}

		/** Raw data with no attributes (poison). */
		public static Message raw(String data) {
			return new Message(data.getBytes(StandardCharsets.UTF_8), Map.of());
		}

	}

	/** A message pulled from a subscription. */
	public record Pulled(String messageId, byte[] data, Map<String, String> attributes) {

		/** The data as UTF-8 text. */
		public String text() {
			return new String(this.data, StandardCharsets.UTF_8);
		}

	}

	private PubSubEmulator(Process process, int port) {
		this.process = process;
		this.port = port;
	}

	/**
	 * The emulator shared by all tests of this JVM, started on first use. Where no
	 * emulator is installed, {@link RequiredTools} fails the calling test (CI) or skips
	 * it with the reason.
	 */
	public static synchronized PubSubEmulator shared() {
		if (shared == null && unavailable == null) {
			List<String> roots = sdkRoots();
			Optional<Path> jar = findJar(roots);
			if (jar.isEmpty()) {
				unavailable = jarNotFound(roots);
			}
			else {
				shared = start(jar.get());
				Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "pubsub-emulator-stop"));
			}
		}
		if (shared == null) {
			RequiredTools.current()
				.missing("Google's Pub/Sub emulator", unavailable,
						"gcloud components install pubsub-emulator, or apt-get install"
								+ " google-cloud-cli-pubsub-emulator, or point PUBSUB_EMULATOR_JAR at"
								+ " cloud-pubsub-emulator-*.jar");
		}
		return shared;
	}

	/**
	 * The emulator jar: {@code PUBSUB_EMULATOR_JAR} when set (and nothing else, so that a
	 * wrong setting is reported rather than silently replaced), else the newest
	 * {@code cloud-pubsub-emulator-*.jar} of the Cloud SDK that {@code gcloud info} names
	 * or of a well-known SDK folder.
	 */
	static Optional<Path> findJar(List<String> sdkRoots) {
		String fromEnv = System.getenv(JAR_VARIABLE);
		if (fromEnv != null && !fromEnv.isBlank()) {
			Path path = Path.of(fromEnv);
			return Files.isRegularFile(path) ? Optional.of(path) : Optional.empty();
		}
		for (String root : sdkRoots) {
			Path lib = Path.of(root, "platform", "pubsub-emulator", "lib");
			if (Files.isDirectory(lib)) {
				try (Stream<Path> files = Files.list(lib)) {
					Optional<Path> jar = files
						.filter((f) -> f.getFileSystem().getPathMatcher("glob:" + JAR_GLOB).matches(f.getFileName()))
						.sorted()
						.reduce((first, second) -> second);
					if (jar.isPresent()) {
						return jar;
					}
				}
				catch (IOException ex) {
					logger.warn("Cannot list {}: {}", lib, ex.getMessage());
				}
			}
		}
		return Optional.empty();
	}

	private static String jarNotFound(List<String> sdkRoots) {
		String fromEnv = System.getenv(JAR_VARIABLE);
		if (fromEnv != null && !fromEnv.isBlank()) {
			return JAR_VARIABLE + "=" + fromEnv + " is not a file";
		}
		return "no " + JAR_GLOB + " in platform/pubsub-emulator/lib of the Cloud SDK (looked in " + sdkRoots + ") and "
				+ JAR_VARIABLE + " is not set";
	}

	private static List<String> sdkRoots() {
		List<String> roots = new ArrayList<>();
		sdkRootFromGcloud().ifPresent(roots::add);
		roots.addAll(WELL_KNOWN_SDK_ROOTS);
		return roots;
	}

	private static Optional<String> sdkRootFromGcloud() {
		try {
			Process gcloud = new ProcessBuilder("gcloud", "info", "--format=value(installation.sdk_root)")
				.redirectErrorStream(false)
				.redirectError(ProcessBuilder.Redirect.DISCARD)
				.start();
			String out = new String(gcloud.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
			if (!gcloud.waitFor(30, TimeUnit.SECONDS)) {
				gcloud.destroyForcibly();
				return Optional.empty();
			}
			return (gcloud.exitValue() == 0 && !out.isEmpty()) ? Optional.of(out) : Optional.empty();
		}
		catch (IOException ex) {
			return Optional.empty();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return Optional.empty();
		}
	}

	private static PubSubEmulator start(Path jar) {
		int port = freePort();
		try {
			Path log = Files.createTempFile("pubsub-emulator-", ".log");
			Process process = new ProcessBuilder("java", "-jar", jar.toString(), "--host=127.0.0.1", "--port=" + port)
				.redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			PubSubEmulator emulator = new PubSubEmulator(process, port);
			emulator.awaitAnswering(Duration.ofSeconds(60), log);
			logger.info("Pub/Sub emulator {} listening on {} (log {})", jar.getFileName(), emulator.hostPort(), log);
			return emulator;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot start the Pub/Sub emulator " + jar + ": " + ex.getMessage(), ex);
		}
	}

	/** A free TCP port on the loopback interface. */
	public static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException("No free loopback port: " + ex.getMessage(), ex);
		}
	}

	private void awaitAnswering(Duration timeout, Path log) {
		long until = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < until) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException(
						"Pub/Sub emulator exited with " + this.process.exitValue() + " before answering; see " + log);
			}
			try {
				HttpResponse<String> response = this.http
					.send(HttpRequest.newBuilder(uri("/v1/projects/" + PROJECT + "/topics"))
						.timeout(Duration.ofSeconds(2))
						.GET()
						.build(), HttpResponse.BodyHandlers.ofString());
				if (response.statusCode() == 200) {
					return;
				}
			}
			catch (IOException ex) {
				// not listening yet
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted while waiting for the Pub/Sub emulator", ex);
			}
			sleep(200);
		}
		stop();
		throw new IllegalStateException("Pub/Sub emulator did not answer within " + timeout + "; see " + log);
	}

	/**
	 * {@code 127.0.0.1:port}, the value of {@code spring.cloud.gcp.pubsub.emulator-host}.
	 */
	public String hostPort() {
		return "127.0.0.1:" + this.port;
	}

	/** The properties that point the application's Pub/Sub client at this emulator. */
	public Map<String, Object> clientProperties() {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("spring.cloud.gcp.pubsub.enabled", "true");
		properties.put("spring.cloud.gcp.pubsub.emulator-host", hostPort());
		properties.put("spring.cloud.gcp.project-id", PROJECT);
		return properties;
	}

	/** The full name of a topic. */
	public static String topicPath(String topic) {
		return "projects/" + PROJECT + "/topics/" + topic;
	}

	/** The full name of a subscription. */
	public static String subscriptionPath(String subscription) {
		return "projects/" + PROJECT + "/subscriptions/" + subscription;
	}

	/** Creates a topic. */
	public void createTopic(String topic) {
		call("PUT", "/v1/" + topicPath(topic), "{}");
	}

	/** Creates a push subscription with the default JSON wrapper. */
	public void createWrappedPushSubscription(String subscription, String topic, String endpoint,
			int ackDeadlineSeconds) {
		ObjectNode body = subscriptionBody(topic, ackDeadlineSeconds);
		body.putObject("pushConfig").put("pushEndpoint", endpoint);
		call("PUT", "/v1/" + subscriptionPath(subscription), body.toString());
	}

	/**
	 * Creates a push subscription with the default JSON wrapper and a dead-letter policy:
	 * after {@code maxDeliveryAttempts} pushes answered non-2xx, the emulator forwards
	 * the message to {@code deadLetterTopic} as Pub/Sub does (a new message, the same
	 * data and attributes plus {@code CloudPubSubDeadLetter*}).
	 */
	public void createWrappedPushSubscription(String subscription, String topic, String endpoint,
			int ackDeadlineSeconds, String deadLetterTopic, int maxDeliveryAttempts) {
		ObjectNode body = subscriptionBody(topic, ackDeadlineSeconds);
		body.putObject("pushConfig").put("pushEndpoint", endpoint);
		body.putObject("deadLetterPolicy")
			.put("deadLetterTopic", topicPath(deadLetterTopic))
			.put("maxDeliveryAttempts", maxDeliveryAttempts);
		call("PUT", "/v1/" + subscriptionPath(subscription), body.toString());
	}

	/**
	 * Creates an unwrapped push subscription ({@code noWrapper} with
	 * {@code writeMetadata}): the body is the message data, the message id, publish time
	 * and subscription arrive as headers.
	 */
	public void createUnwrappedPushSubscription(String subscription, String topic, String endpoint,
			int ackDeadlineSeconds) {
		ObjectNode body = subscriptionBody(topic, ackDeadlineSeconds);
		ObjectNode push = body.putObject("pushConfig");
		push.put("pushEndpoint", endpoint);
		push.putObject("noWrapper").put("writeMetadata", true);
		call("PUT", "/v1/" + subscriptionPath(subscription), body.toString());
	}

	/** Creates a pull subscription. */
	public void createPullSubscription(String subscription, String topic, int ackDeadlineSeconds) {
		call("PUT", "/v1/" + subscriptionPath(subscription), subscriptionBody(topic, ackDeadlineSeconds).toString());
	}

	private static ObjectNode subscriptionBody(String topic, int ackDeadlineSeconds) {
		ObjectNode body = JSON.createObjectNode();
		body.put("topic", topicPath(topic));
		body.put("ackDeadlineSeconds", ackDeadlineSeconds);
		return body;
	}

	/** Deletes a subscription, so that it stops pushing. */
	public void deleteSubscription(String subscription) {
		call("DELETE", "/v1/" + subscriptionPath(subscription), null);
	}

	/**
	 * Publishes messages, in requests of at most 500.
	 * @return the message ids Pub/Sub assigned, in order
	 */
	public List<String> publish(String topic, List<Message> messages) {
		List<String> ids = new ArrayList<>(messages.size());
		for (int from = 0; from < messages.size(); from += 500) {
			ObjectNode body = JSON.createObjectNode();
			ArrayNode array = body.putArray("messages");
			for (Message message : messages.subList(from, Math.min(messages.size(), from + 500))) {
				ObjectNode node = array.addObject();
				node.put("data", Base64.getEncoder().encodeToString(message.data()));
				if (!message.attributes().isEmpty()) {
					ObjectNode attributes = node.putObject("attributes");
					message.attributes().forEach(attributes::put);
				}
			}
			JsonNode answer = call("POST", "/v1/" + topicPath(topic) + ":publish", body.toString());
			for (JsonNode id : answer.get("messageIds")) {
				ids.add(id.asString());
			}
		}
		return ids;
	}

	/** Publishes one message and returns its id. */
	public String publish(String topic, Message message) {
		return publish(topic, List.of(message)).get(0);
	}

	/** Pulls what is available now (up to {@code max}) and acks it. */
	public List<Pulled> pullAndAck(String subscription, int max) {
		JsonNode answer = call("POST", "/v1/" + subscriptionPath(subscription) + ":pull",
				"{\"maxMessages\":" + max + ",\"returnImmediately\":true}");
		List<Pulled> pulled = new ArrayList<>();
		List<String> ackIds = new ArrayList<>();
		JsonNode received = answer.get("receivedMessages");
		if (received == null) {
			return pulled;
		}
		for (JsonNode item : received) {
			JsonNode message = item.get("message");
			Map<String, String> attributes = new LinkedHashMap<>();
			JsonNode attributeNode = message.get("attributes");
			if (attributeNode != null) {
				attributeNode.properties().forEach((e) -> attributes.put(e.getKey(), e.getValue().asString()));
			}
			byte[] data = message.has("data") ? Base64.getDecoder().decode(message.get("data").asString())
					: new byte[0];
			pulled.add(new Pulled(message.get("messageId").asString(), data, attributes));
			ackIds.add(item.get("ackId").asString());
		}
		if (!ackIds.isEmpty()) {
			ObjectNode ack = JSON.createObjectNode();
			ArrayNode ids = ack.putArray("ackIds");
			ackIds.forEach(ids::add);
			call("POST", "/v1/" + subscriptionPath(subscription) + ":acknowledge", ack.toString());
		}
		return pulled;
	}

	private JsonNode call(String method, String path, String body) {
		HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
		request.header("Content-Type", "application/json");
		request.method(method,
				(body != null) ? HttpRequest.BodyPublishers.ofString(body) : HttpRequest.BodyPublishers.noBody());
		try {
			HttpResponse<String> response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
			if (response.statusCode() / 100 != 2) {
				throw new IllegalStateException("Pub/Sub emulator answered " + response.statusCode() + " to " + method
						+ " " + path + ": " + response.body());
			}
			return response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
		}
		catch (IOException ex) {
			throw new IllegalStateException("Pub/Sub emulator call " + method + " " + path + " failed: " + ex, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted during " + method + " " + path, ex);
		}
	}

	private URI uri(String path) {
		return URI.create("http://" + hostPort() + path);
	}

	/** Stops the emulator process. */
	public void stop() {
		if (!this.process.isAlive()) {
			return;
		}
		this.process.descendants().forEach(ProcessHandle::destroy);
		this.process.destroy();
		try {
			if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
				this.process.destroyForcibly();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.process.destroyForcibly();
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted", ex);
		}
	}

}
