package dev.pixelpipeline.deploy;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the deploy scripts (and shellcheck on them) the way a user would, with a chosen
 * environment, for the tests of {@code deploy/*.sh}.
 */
final class DeployScripts {

	private DeployScripts() {
	}

	/**
	 * Runs a command ({@code bash} for a {@code .sh} script) from the project folder and
	 * waits for it.
	 * @param command the command and its arguments
	 * @param cleared variables of this JVM's environment the command must not inherit (a
	 * developer's own settings would change what the script prints)
	 * @param env variables to set
	 * @return what it printed (stdout and stderr together) and its exit code
	 */
	static Result run(List<String> command, Set<String> cleared, Map<String, String> env) throws Exception {
		List<String> full = new ArrayList<>();
		if (command.get(0).endsWith(".sh")) {
			full.add("bash");
		}
		full.addAll(command);
		ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true);
		builder.environment().keySet().removeAll(cleared);
		builder.environment().putAll(env);
		Process process = builder.start();
		byte[] output = process.getInputStream().readAllBytes();
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
	}

	/** Whether an executable of that name is on the {@code PATH}. */
	static boolean onPath(String command) {
		String path = System.getenv("PATH");
		if (path == null) {
			return false;
		}
		for (String directory : path.split(File.pathSeparator)) {
			if (Files.isExecutable(Paths.get(directory, command))) {
				return true;
			}
		}
		return false;
	}

	/** What a script printed and how it ended. */
	record Result(int exitCode, String output) {

		List<String> lines() {
			return this.output.lines().toList();
		}

		/** The commands that would change something, without their "+ " prefix. */
		List<String> changes() {
			return lines().stream().filter((line) -> line.startsWith("+ ")).map((line) -> line.substring(2)).toList();
		}

	}

}
