package dev.pixelpipeline;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves the container image's layout without a Docker engine: repeats the Dockerfile's
 * extraction, layer copies, AOT/CDS training run and ENTRYPOINT on the packaged jar,
 * starts the app from that layout, waits for readiness, stores a pixel hit, and measures
 * time-to-ready with and without the archive.
 */
class ImageLayoutIntegrationTests {

	private static final Logger logger = LoggerFactory.getLogger(ImageLayoutIntegrationTests.class);

	private static final Path DOCKERFILE = Paths.get("Dockerfile");

	private static final List<String> LAYER_ORDER = List.of("dependencies", "spring-boot-loader",
			"snapshot-dependencies", "application");

	/** Where this machine keeps a Java 25 JDK; the image's runtime is Java 25. */
	private static final Path JDK_25 = Paths.get("/usr/lib/jvm/temurin-25-jdk-amd64");

	private static final Duration READY_TIMEOUT = Duration.ofMinutes(4);

	private static final Pattern COPY_FROM = Pattern.compile("COPY --from=(\\S+) (\\S+) (\\S+)");

	private static final Pattern COPY_CONTEXT = Pattern.compile("COPY (?!--)(\\S+) (\\S+)");

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	@TempDir
	Path temp;

	@Test
	void imageLayoutStartsGetsReadyAndStoresAHit() throws Exception {
		Dockerfile dockerfile = Dockerfile.parse(Files.readAllLines(DOCKERFILE));
		JavaRuntime java = JavaRuntime.pick();
		logger.info("Image layout test runs on {} (archive flags: {})", java.description(), java.archiveKind());

		// The extract stage: the same command on the packaged jar.
		Path builder = Files.createDirectories(this.temp.resolve("builder"));
		Files.copy(packagedJar(), builder.resolve("app.jar"));
		List<String> extract = dockerfile.stage("extract").shellRun("-Djarmode=tools");
		assertThat(extract).as("extract command").contains("extract", "--layers");
		run(java.substitute(extract), builder, Map.of(), "extract");

		// The runtime stage: ordered layer copies from the extract stage, then the files
		// from the build context.
		Stage runtime = dockerfile.last();
		assertThat(runtime.user()).as("USER of the runtime stage").matches("[1-9][0-9]*(:[0-9]+)?");
		Path app = Files.createDirectories(this.temp.resolve("app"));
		List<String> layers = new ArrayList<>();
		for (String line : runtime.instructions()) {
			Matcher fromStage = COPY_FROM.matcher(line);
			Matcher fromContext = COPY_CONTEXT.matcher(line);
			if (fromStage.matches()) {
				Path source = builder.resolve(Paths.get("/builder").relativize(Paths.get(fromStage.group(2))));
				layers.add(source.getFileName().toString());
				FileSystemUtils.copyRecursively(source, app.resolve(fromStage.group(3)));
			}
			else if (fromContext.matches()) {
				Files.copy(Paths.get(fromContext.group(1)), app.resolve(fromContext.group(2)));
			}
		}
		assertThat(layers).as("layer copies in the runtime stage, in order").isEqualTo(LAYER_ORDER);
		assertThat(app.resolve("app.jar")).as("launchable jar of the application layer").exists();
		assertThat(app.resolve("lib")).as("dependency jars").isNotEmptyDirectory();

		// The training run, exactly as the Dockerfile's exec-form RUN says (CDS flags on
		// a JDK without AOT caches).
		List<String> training = runtime.execRun();
		run(java.substitute(training), app, Map.of(), "training");
		List<String> entrypoint = runtime.entrypoint();
		Path archive = app.resolve(java.archiveFile(entrypoint));
		assertThat(archive).as("archive written by the training run").isNotEmptyFile();

		Duration without = startAndStoreAHit(java.substitute(java.withoutArchive(entrypoint)), app, "without-archive");
		Duration with = startAndStoreAHit(java.substitute(entrypoint), app, "with-archive");
		String figures = String.format("time-to-ready on %s: without %s %d ms, with %s %d ms (archive %d MB)",
				java.description(), java.archiveKind(), without.toMillis(), java.archiveKind(), with.toMillis(),
				Files.size(archive) / (1024 * 1024));
		logger.info(figures);
		Files.writeString(Paths.get("target", "image-layout-timings.txt"), figures + System.lineSeparator());
	}

	private Duration startAndStoreAHit(List<String> command, Path workdir, String name) throws Exception {
		int port = freePort();
		Path log = this.temp.resolve(name + ".log");
		Path database = Files.createDirectories(this.temp.resolve(name)).resolve("pixel.duckdb");
		ProcessBuilder builder = new ProcessBuilder(command).directory(workdir.toFile())
			.redirectErrorStream(true)
			.redirectOutput(log.toFile());
		builder.environment().put("PORT", Integer.toString(port));
		builder.environment().put("PIPELINE_EMBEDDED_PATH", database.toString());
		builder.environment().remove("SPRING_PROFILES_ACTIVE");
		long started = System.nanoTime();
		Process process = builder.start();
		try {
			URI readiness = URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness");
			long deadline = started + READY_TIMEOUT.toNanos();
			boolean ready = false;
			while (!ready && process.isAlive() && System.nanoTime() < deadline) {
				ready = isUp(readiness);
				if (!ready) {
					Thread.sleep(20);
				}
			}
			Duration toReady = Duration.ofNanos(System.nanoTime() - started);
			assertThat(ready).as("readiness UP from the image layout (%s); log:%n%s", name, tail(log)).isTrue();

			HttpResponse<byte[]> pixel = this.http.send(HttpRequest
				.newBuilder(URI.create("http://127.0.0.1:" + port + "/pixel.png?user_id=layout&type=" + name))
				.build(), HttpResponse.BodyHandlers.ofByteArray());
			assertThat(pixel.statusCode()).isEqualTo(200);
			assertThat(pixel.headers().firstValue("Content-Type")).hasValue("image/png");
			HttpResponse<String> events = this.http.send(
					HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/events?limit=5")).build(),
					HttpResponse.BodyHandlers.ofString());
			assertThat(events.statusCode()).isEqualTo(200);
			assertThat(events.body()).contains("\"user_id\":\"layout\"").contains("\"type\":\"" + name + "\"");
			return toReady;
		}
		finally {
			process.destroy();
			if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
				process.destroyForcibly().waitFor();
			}
		}
	}

	private boolean isUp(URI readiness) throws InterruptedException {
		try {
			HttpResponse<String> response = this.http.send(
					HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(2)).build(),
					HttpResponse.BodyHandlers.ofString());
			return response.statusCode() == 200 && response.body().contains("\"UP\"");
		}
		catch (IOException ex) {
			return false;
		}
	}

	private void run(List<String> command, Path workdir, Map<String, String> env, String name) throws Exception {
		Path log = this.temp.resolve(name + ".log");
		ProcessBuilder builder = new ProcessBuilder(command).directory(workdir.toFile())
			.redirectErrorStream(true)
			.redirectOutput(log.toFile());
		builder.environment().putAll(env);
		builder.environment().remove("SPRING_PROFILES_ACTIVE");
		Process process = builder.start();
		boolean finished = process.waitFor(5, java.util.concurrent.TimeUnit.MINUTES);
		if (!finished) {
			process.destroyForcibly().waitFor();
		}
		assertThat(finished && process.exitValue() == 0).as("%s %s exits 0; log:%n%s", name, command, tail(log))
			.isTrue();
	}

	private static String tail(Path log) throws IOException {
		List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
		return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - 40), lines.size()));
	}

	private static Path packagedJar() throws IOException {
		try (Stream<Path> files = Files.list(Paths.get("target"))) {
			List<Path> jars = files.filter((path) -> path.getFileName().toString().matches("pixel-pipeline-.*\\.jar"))
				.filter((path) -> !path.getFileName().toString().endsWith("-plain.jar"))
				.toList();
			assertThat(jars).as("the repackaged jar in target/ (run with ./mvnw verify)").hasSize(1);
			return jars.get(0);
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	/** The Dockerfile's stages, each a list of instructions. */
	record Dockerfile(List<Stage> stages) {

		static Dockerfile parse(List<String> lines) {
			List<Stage> stages = new ArrayList<>();
			for (String raw : lines) {
				String line = raw.strip();
				if (line.isEmpty() || line.startsWith("#")) {
					continue;
				}
				if (line.startsWith("FROM ")) {
					String[] words = line.split("\\s+");
					String name = (words.length == 4 && words[2].equalsIgnoreCase("AS")) ? words[3] : "";
					stages.add(new Stage(name, new ArrayList<>()));
				}
				else {
					assertThat(stages).as("instruction before FROM: %s", line).isNotEmpty();
					stages.get(stages.size() - 1).instructions().add(line);
				}
			}
			return new Dockerfile(stages);
		}

		Stage stage(String name) {
			return this.stages.stream()
				.filter((stage) -> stage.name().equals(name))
				.findFirst()
				.orElseThrow(() -> new AssertionError("Dockerfile has no stage " + name));
		}

		Stage last() {
			return this.stages.get(this.stages.size() - 1);
		}

	}

	/** One stage of the Dockerfile. */
	record Stage(String name, List<String> instructions) {

		private static final JsonMapper JSON = JsonMapper.builder().build();

		List<String> shellRun(String containing) {
			return this.instructions.stream()
				.filter((line) -> line.startsWith("RUN java ") && line.contains(containing))
				.map((line) -> Arrays.asList(line.substring(4).split("\\s+")))
				.findFirst()
				.orElseThrow(() -> new AssertionError("stage " + this.name + " has no RUN java " + containing));
		}

		List<String> execRun() {
			return this.instructions.stream()
				.filter((line) -> line.startsWith("RUN [\"java\""))
				.map((line) -> exec(line.substring(4)))
				.findFirst()
				.orElseThrow(() -> new AssertionError("stage " + this.name + " has no exec-form RUN java"));
		}

		List<String> entrypoint() {
			return this.instructions.stream()
				.filter((line) -> line.startsWith("ENTRYPOINT "))
				.map((line) -> exec(line.substring(11)))
				.findFirst()
				.orElseThrow(() -> new AssertionError("stage " + this.name + " has no exec-form ENTRYPOINT"));
		}

		String user() {
			return this.instructions.stream()
				.filter((line) -> line.startsWith("USER "))
				.map((line) -> line.substring(5).strip())
				.reduce((first, second) -> second)
				.orElse("root");
		}

		private static List<String> exec(String json) {
			return Arrays.asList(JSON.readValue(json.strip(), String[].class));
		}

	}

	/**
	 * The JVM that stands in for the image's: the one named by
	 * {@code -Dimage-layout.java-home}, else Java 25 with its AOT cache where installed,
	 * else the JVM running the tests; below Java 25 a dynamic CDS archive replaces the
	 * AOT cache flags.
	 */
	record JavaRuntime(Path javaHome, boolean aotCache) {

		static JavaRuntime pick() {
			String chosen = System.getProperty("image-layout.java-home");
			if (chosen != null && !chosen.isBlank()) {
				Path home = Paths.get(chosen);
				return new JavaRuntime(home, featureVersion(home) >= 25);
			}
			if (Files.isExecutable(JDK_25.resolve("bin/java"))) {
				return new JavaRuntime(JDK_25, true);
			}
			logger.info("No Java 25 at {}: training a CDS archive with the test JVM instead of an AOT cache", JDK_25);
			return new JavaRuntime(Paths.get(System.getProperty("java.home")), Runtime.version().feature() >= 25);
		}

		private static int featureVersion(Path home) {
			try {
				for (String line : Files.readAllLines(home.resolve("release"))) {
					if (line.startsWith("JAVA_VERSION=")) {
						String version = line.substring(line.indexOf('"') + 1);
						return Integer.parseInt(version.split("[.\"]")[0]);
					}
				}
			}
			catch (IOException | NumberFormatException ex) {
				throw new AssertionError("cannot read the Java version of " + home, ex);
			}
			throw new AssertionError("no JAVA_VERSION in " + home.resolve("release"));
		}

		String description() {
			return "JDK at " + this.javaHome;
		}

		String archiveKind() {
			return this.aotCache ? "AOT cache" : "CDS archive";
		}

		List<String> substitute(List<String> command) {
			List<String> result = new ArrayList<>();
			for (String argument : command) {
				if (result.isEmpty() && argument.equals("java")) {
					result.add(this.javaHome.resolve("bin/java").toString());
				}
				else if (!this.aotCache && argument.startsWith("-XX:AOTCacheOutput=")) {
					result.add("-XX:ArchiveClassesAtExit=" + argument.substring(argument.indexOf('=') + 1));
				}
				else if (!this.aotCache && argument.startsWith("-XX:AOTCache=")) {
					result.add("-XX:SharedArchiveFile=" + argument.substring(argument.indexOf('=') + 1));
				}
				else {
					result.add(argument);
				}
			}
			assertThat(result.get(0)).as("command starts with java: %s", command).endsWith("bin/java");
			return result;
		}

		String archiveFile(List<String> entrypoint) {
			return entrypoint.stream()
				.filter((argument) -> argument.startsWith("-XX:AOTCache="))
				.map((argument) -> argument.substring(argument.indexOf('=') + 1))
				.findFirst()
				.orElseThrow(() -> new AssertionError("ENTRYPOINT uses no -XX:AOTCache: " + entrypoint));
		}

		List<String> withoutArchive(List<String> entrypoint) {
			return entrypoint.stream().filter((argument) -> !argument.startsWith("-XX:AOTCache=")).toList();
		}

	}

}
