package dev.pixelpipeline.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The installed gcloud's own argument parser, reached offline: with an empty
 * configuration (no account, no project, no metadata server, no prompts) a command whose
 * flags and values parse stops at "no active account" (exit 1), while a flag or value
 * gcloud does not accept stops it earlier (exit 2, "unrecognized arguments", "argument
 * --x: ..."). The Pub/Sub endpoint points at a closed local port besides, so nothing can
 * reach Google even if a credential turned up.
 */
public final class GcloudParser {

	private static final String NO_ACCOUNT = "do not currently have an active account";

	private final Path config;

	/**
	 * A parser with its own gcloud configuration directory.
	 * @param config an empty directory gcloud may write its configuration to
	 */
	public GcloudParser(Path config) {
		this.config = config;
	}

	/** Whether gcloud is on the PATH. */
	public static boolean installed() {
		String path = System.getenv("PATH");
		if (path == null) {
			return false;
		}
		for (String directory : path.split(File.pathSeparator)) {
			if (Files.isExecutable(Paths.get(directory, "gcloud"))) {
				return true;
			}
		}
		return false;
	}

	/** gcloud's first version line, e.g. "Google Cloud SDK 528.0.0". */
	public String version() {
		return run(List.of("gcloud", "version")).output().lines().findFirst().orElse("gcloud (no version)");
	}

	/**
	 * What gcloud says against each command it does not parse, two commands at a time;
	 * empty when it parses them all.
	 */
	public List<String> refusals(Collection<List<String>> commands) {
		ExecutorService pool = Executors.newFixedThreadPool(2);
		try {
			List<Future<String>> verdicts = new ArrayList<>();
			for (List<String> argv : commands) {
				verdicts.add(pool.submit(() -> refusal(argv)));
			}
			List<String> refusals = new ArrayList<>();
			for (Future<String> verdict : verdicts) {
				String refusal = verdict.get(3, TimeUnit.MINUTES);
				if (refusal != null) {
					refusals.add(refusal);
				}
			}
			return refusals;
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new IllegalStateException("gcloud did not answer", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while gcloud parsed", ex);
		}
		finally {
			pool.shutdownNow();
		}
	}

	/**
	 * {@code null} when gcloud parses the command, else the command and gcloud's error
	 * (without its usage text).
	 */
	public String refusal(List<String> argv) {
		if (argv.isEmpty() || !argv.get(0).equals("gcloud")) {
			throw new IllegalArgumentException("not a gcloud command: " + argv);
		}
		Outcome outcome = run(argv);
		if (outcome.exitCode() == 1 && outcome.output().contains(NO_ACCOUNT)) {
			return null;
		}
		String error = outcome.output().strip().replaceFirst("(?s)\\s*Usage: .*", "");
		return String.join(" ", argv) + "\n  -> exit " + outcome.exitCode() + ": " + error;
	}

	private Outcome run(List<String> argv) {
		return runOffline(argv, this.config, Map.of("CLOUDSDK_API_ENDPOINT_OVERRIDES_PUBSUB", "http://127.0.0.1:9/"));
	}

	/**
	 * Runs a Cloud SDK command (gcloud, bq) cut off from any account: none of the
	 * caller's Cloud SDK or Google variables, its own empty configuration directory, no
	 * prompts, no metadata server, no usage reporting or update check.
	 * @param argv the command
	 * @param config the configuration directory to use
	 * @param extra more environment variables, such as an endpoint on a closed port
	 * @return the exit code and the output (stdout and stderr together)
	 */
	static Outcome runOffline(List<String> argv, Path config, Map<String, String> extra) {
		ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true)
			.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
		Map<String, String> environment = builder.environment();
		environment.keySet()
			.removeIf((name) -> name.startsWith("CLOUDSDK_") || name.startsWith("GOOGLE_") || name.startsWith("GCE_"));
		environment.put("CLOUDSDK_CONFIG", config.toString());
		environment.put("CLOUDSDK_CORE_DISABLE_PROMPTS", "1");
		environment.put("CLOUDSDK_CORE_CHECK_GCE_METADATA", "false");
		environment.put("CLOUDSDK_CORE_DISABLE_USAGE_REPORTING", "true");
		environment.put("CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK", "true");
		environment.putAll(extra);
		try {
			Process process = builder.start();
			byte[] output = process.getInputStream().readAllBytes();
			if (!process.waitFor(2, TimeUnit.MINUTES)) {
				process.destroyForcibly();
				throw new IllegalStateException(argv + " did not finish in 2 minutes");
			}
			return new Outcome(process.exitValue(), new String(output, StandardCharsets.UTF_8));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while running " + argv, ex);
		}
	}

	/**
	 * Splits a printed command back into its arguments: the scripts print bare words, and
	 * single-quote any other word (a quote inside as {@code '\''}).
	 */
	public static List<String> shellWords(String line) {
		List<String> words = new ArrayList<>();
		StringBuilder word = new StringBuilder();
		boolean inWord = false;
		boolean quoted = false;
		for (int i = 0; i < line.length(); i++) {
			char c = line.charAt(i);
			if (quoted) {
				if (c == '\'') {
					quoted = false;
				}
				else {
					word.append(c);
				}
			}
			else if (c == '\'') {
				quoted = true;
				inWord = true;
			}
			else if (c == '\\' && i + 1 < line.length()) {
				word.append(line.charAt(++i));
				inWord = true;
			}
			else if (c == ' ') {
				if (inWord) {
					words.add(word.toString());
					word.setLength(0);
					inWord = false;
				}
			}
			else {
				word.append(c);
				inWord = true;
			}
		}
		if (quoted) {
			throw new IllegalArgumentException("unbalanced quote in " + line);
		}
		if (inWord) {
			words.add(word.toString());
		}
		return words;
	}

	record Outcome(int exitCode, String output) {
	}

}
