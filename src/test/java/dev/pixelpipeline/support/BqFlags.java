package dev.pixelpipeline.support;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The flags the installed {@code bq} documents, read offline from its own help: unlike
 * gcloud, {@code bq} asks for credentials before it parses a command, so a printed
 * {@code bq} command is checked flag by flag against {@code bq --helpfull} (global flags,
 * before the command) and {@code bq help <command>} (the command's flags).
 */
public final class BqFlags {

	private static final Pattern DEFINITION = Pattern.compile("(?m)^\\s+(?:-\\w,)?--(?:\\[no\\])?([a-z][a-z0-9_]*):");

	private final Path config;

	private final Map<String, Set<String>> byCommand = new HashMap<>();

	/**
	 * @param config an empty directory for bq's gcloud configuration
	 */
	public BqFlags(Path config) {
		this.config = config;
	}

	/** Whether bq is on the PATH. */
	public static boolean installed() {
		String path = System.getenv("PATH");
		if (path == null) {
			return false;
		}
		for (String directory : path.split(File.pathSeparator)) {
			if (new File(directory, "bq").canExecute()) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Each flag of these commands that bq does not document, with its command; empty when
	 * all are known.
	 */
	public List<String> unknown(Collection<List<String>> commands) {
		List<String> unknown = new ArrayList<>();
		for (List<String> argv : commands) {
			if (argv.isEmpty() || !argv.get(0).equals("bq")) {
				throw new IllegalArgumentException("not a bq command: " + argv);
			}
			String command = null;
			for (String argument : argv.subList(1, argv.size())) {
				if (!argument.startsWith("-")) {
					if (command == null) {
						command = argument;
					}
					continue;
				}
				if (!argument.startsWith("--")) {
					continue;
				}
				String flag = argument.substring(2).replaceFirst("=.*", "");
				Set<String> known = (command != null) ? union(flags(command), flags(null)) : flags(null);
				if (!known.contains(flag) && !(flag.startsWith("no") && known.contains(flag.substring(2)))) {
					unknown.add("--" + flag + " of " + ((command != null) ? "bq " + command : "bq (global)") + " in "
							+ String.join(" ", argv));
				}
			}
			if (command == null) {
				unknown.add("no command in " + String.join(" ", argv));
			}
		}
		return unknown;
	}

	/** The flags of a command, or the global flags for {@code null}. */
	public Set<String> flags(String command) {
		return this.byCommand.computeIfAbsent((command != null) ? command : "", (key) -> {
			String help = help((command != null) ? List.of("bq", "help", command) : List.of("bq", "--helpfull"));
			Set<String> flags = new LinkedHashSet<>();
			Matcher matcher = DEFINITION.matcher(help);
			while (matcher.find()) {
				flags.add(matcher.group(1));
			}
			if (flags.isEmpty()) {
				throw new IllegalStateException("no flags in the help of bq " + key + ":\n" + help);
			}
			return flags;
		});
	}

	private static Set<String> union(Set<String> a, Set<String> b) {
		Set<String> all = new LinkedHashSet<>(a);
		all.addAll(b);
		return all;
	}

	private String help(List<String> argv) {
		// bq help exits 1 after printing the help; the flags are what counts.
		return GcloudParser.runOffline(argv, this.config, Map.of()).output();
	}

}
