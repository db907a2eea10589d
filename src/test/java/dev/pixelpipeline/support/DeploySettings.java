package dev.pixelpipeline.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code deploy/settings.env}, the one source of the deployment's Pub/Sub names and
 * delivery numbers, and the rendering of a deploy template exactly as
 * {@code deploy/setup.sh} does it (its own {@code render} function in
 * {@code deploy/common.sh}).
 */
public final class DeploySettings {

	/** The file, relative to the project directory (where Maven runs the tests). */
	public static final Path FILE = Path.of("deploy/settings.env");

	private static final Pattern LINE = Pattern.compile("([A-Z][A-Z0-9_]*)=([^\\s'\"]+)");

	private DeploySettings() {
	}

	/**
	 * Every setting in file order; fails on a line that is neither a comment, blank, nor
	 * {@code KEY=value}, and on a key given twice.
	 */
	public static Map<String, String> load() {
		Map<String, String> settings = new LinkedHashMap<>();
		List<String> lines;
		try {
			lines = Files.readAllLines(FILE, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		for (int i = 0; i < lines.size(); i++) {
			String line = lines.get(i);
			if (line.isBlank() || line.startsWith("#")) {
				continue;
			}
			Matcher matcher = LINE.matcher(line);
			if (!matcher.matches()) {
				throw new IllegalStateException(FILE + ":" + (i + 1) + ": not a KEY=value line: " + line);
			}
			if (settings.put(matcher.group(1), matcher.group(2)) != null) {
				throw new IllegalStateException(FILE + ":" + (i + 1) + ": " + matcher.group(1) + " is set twice");
			}
		}
		return settings;
	}

	/**
	 * A template such as {@code deploy/cloud-run.yaml} rendered by
	 * {@code deploy/common.sh} with the given variables (at least {@code PROJECT_ID})
	 * over the defaults of {@code common.sh} and {@code settings.env}; no variable of the
	 * calling environment leaks in.
	 */
	public static String render(Path template, Map<String, String> variables) {
		ProcessBuilder builder = new ProcessBuilder("bash", "-c", "source deploy/common.sh && render \"$1\"", "render",
				template.toString())
			.redirectErrorStream(true);
		Map<String, String> environment = builder.environment();
		String path = environment.get("PATH");
		environment.clear();
		environment.put("PATH", path);
		environment.putAll(variables);
		try {
			Process process = builder.start();
			byte[] output = process.getInputStream().readAllBytes();
			if (!process.waitFor(30, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException("rendering " + template + " did not finish in 30 s");
			}
			String text = new String(output, StandardCharsets.UTF_8);
			if (process.exitValue() != 0) {
				throw new IllegalStateException("rendering " + template + " failed: " + text);
			}
			return text;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while rendering " + template, ex);
		}
	}

}
