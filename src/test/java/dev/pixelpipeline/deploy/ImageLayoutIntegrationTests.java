package dev.pixelpipeline.deploy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;

import dev.pixelpipeline.support.ImageLayout;
import dev.pixelpipeline.support.ImageLayout.JavaRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves the container image's layout without a Docker engine: repeats the Dockerfile's
 * extraction, layer copies, AOT/CDS training run and ENTRYPOINT on the packaged jar,
 * starts the app from that layout, waits for readiness, stores a pixel hit, and measures
 * time-to-ready with and without the archive.
 */
class ImageLayoutIntegrationTests {

	private static final Logger logger = LoggerFactory.getLogger(ImageLayoutIntegrationTests.class);

	private static final List<String> LAYER_ORDER = List.of("dependencies", "spring-boot-loader",
			"snapshot-dependencies", "application");

	private static final Duration READY_TIMEOUT = Duration.ofMinutes(4);

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	@TempDir
	Path temp;

	@Test
	void imageLayoutStartsGetsReadyAndStoresAHit() throws Exception {
		ImageLayout layout = ImageLayout.extract(this.temp);
		JavaRuntime java = layout.java();
		assertThat(layout.runtime().user()).as("USER of the runtime stage").matches("[1-9][0-9]*(:[0-9]+)?");
		assertThat(layout.layers()).as("layer copies in the runtime stage, in order").isEqualTo(LAYER_ORDER);

		// The training run, exactly as the Dockerfile's exec-form RUN says (CDS flags on
		// a JDK without AOT caches).
		Path archive = layout.train(this.temp.resolve("training.log"));
		assertThat(archive).as("archive written by the training run").isNotEmptyFile();

		Duration without = startAndStoreAHit(layout.entrypointWithoutArchive(), layout.app(), "without-archive");
		Duration with = startAndStoreAHit(layout.entrypoint(), layout.app(), "with-archive");
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
			assertThat(ready).as("readiness UP from the image layout (%s); log:%n%s", name, ImageLayout.tail(log, 40))
				.isTrue();

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

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
