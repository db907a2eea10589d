package dev.pixelpipeline.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged application running as its own process with exactly the environment it is
 * given (nothing inherited from the test JVM), its stdout and stderr in files, as a
 * container runtime would start it.
 */
public final class DeployedProcess implements AutoCloseable {

	private final Process process;

	private final int port;

	private final Path stdout;

	private final Path stderr;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private DeployedProcess(Process process, int port, Path stdout, Path stderr) {
		this.process = process;
		this.port = port;
		this.stdout = stdout;
		this.stderr = stderr;
	}

	/**
	 * Starts the command in the directory with only this environment.
	 * @param port the port the environment makes the app listen on
	 */
	public static DeployedProcess start(List<String> command, Path workdir, Map<String, String> env, int port,
			Path logs) {
		Path stdout = logs.resolve("stdout.log");
		Path stderr = logs.resolve("stderr.log");
		ProcessBuilder builder = new ProcessBuilder(command).directory(workdir.toFile())
			.redirectOutput(stdout.toFile())
			.redirectError(stderr.toFile());
		builder.environment().clear();
		builder.environment().putAll(env);
		try {
			Files.createDirectories(logs);
			return new DeployedProcess(builder.start(), port, stdout, stderr);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start " + command, ex);
		}
	}

	/** The port it listens on. */
	public int port() {
		return this.port;
	}

	/** The base URL on loopback. */
	public String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	/** GETs a path; {@code null} when nothing answered within the timeout. */
	public HttpResponse<String> get(String path, Duration timeout) {
		try {
			return this.http.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(timeout).build(),
					HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			return null;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Polls the path, as a startup probe does, until it answers 200 with status UP; fails
	 * when the process exits or the budget passes.
	 * @param path the probe's path
	 * @param timeout how long one check may take
	 * @param budget how long the checks may go on
	 * @return how long it took from now
	 */
	public Duration awaitUp(String path, Duration timeout, Duration budget) throws InterruptedException {
		long started = System.nanoTime();
		long until = started + budget.toNanos();
		while (System.nanoTime() < until) {
			assertThat(this.process.isAlive())
				.as("the app is running; stdout:%n%s%nstderr:%n%s", tail(this.stdout), tail(this.stderr))
				.isTrue();
			HttpResponse<String> response = get(path, timeout);
			if (response != null && response.statusCode() == 200 && response.body().contains("\"UP\"")) {
				return Duration.ofNanos(System.nanoTime() - started);
			}
			Thread.sleep(100);
		}
		throw new AssertionError("Not UP at " + path + " within " + budget + "; stdout:\n" + tail(this.stdout)
				+ "\nstderr:\n" + tail(this.stderr));
	}

	/**
	 * Sends SIGTERM ({@link Process#destroy()}) and waits up to {@code wait} for the
	 * exit.
	 * @return the time from SIGTERM to the exit, or {@code null} if it did not exit
	 * within {@code wait} (then it is killed)
	 */
	public Duration terminate(Duration wait) throws InterruptedException {
		long sent = System.nanoTime();
		this.process.destroy();
		if (this.process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
			return Duration.ofNanos(System.nanoTime() - sent);
		}
		this.process.destroyForcibly().waitFor();
		return null;
	}

	/** Whether the process still runs. */
	public boolean isAlive() {
		return this.process.isAlive();
	}

	/** The lines written to stdout so far. */
	public List<String> stdoutLines() {
		return lines(this.stdout);
	}

	/** The lines written to stderr so far. */
	public List<String> stderrLines() {
		return lines(this.stderr);
	}

	/** The last lines of stdout and stderr, for failure messages. */
	public String logs() {
		return "stdout:\n" + tail(this.stdout) + "\nstderr:\n" + tail(this.stderr);
	}

	private static List<String> lines(Path file) {
		try {
			return Files.readAllLines(file, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String tail(Path file) {
		try {
			return ImageLayout.tail(file, 60);
		}
		catch (IOException ex) {
			return "(unreadable: " + ex.getMessage() + ")";
		}
	}

	@Override
	public void close() throws InterruptedException {
		if (this.process.isAlive()) {
			this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
	}

}
