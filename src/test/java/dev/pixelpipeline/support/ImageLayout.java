package dev.pixelpipeline.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The container image's file layout, built without a Docker engine: the Dockerfile's
 * extract stage and the runtime stage's ordered layer copies replayed on the packaged jar
 * in {@code target/} (failsafe runs after {@code package}), with the JVM that stands in
 * for the image's. Tests then run the Dockerfile's training run and ENTRYPOINT in it.
 *
 * @param dockerfile the parsed Dockerfile
 * @param java the JVM that stands in for the image's
 * @param app the runtime stage's working directory ({@code /app} in the image)
 * @param layers the extracted layers copied into the runtime stage, in order
 */
public record ImageLayout(Dockerfile dockerfile, JavaRuntime java, Path app, List<String> layers) {

	private static final Logger logger = LoggerFactory.getLogger(ImageLayout.class);

	private static final Path DOCKERFILE = Paths.get("Dockerfile");

	/** Where this machine keeps a Java 25 JDK; the image's runtime is Java 25. */
	private static final Path JDK_25 = Paths.get("/usr/lib/jvm/temurin-25-jdk-amd64");

	private static final Pattern COPY_FROM = Pattern.compile("COPY --from=(\\S+) (\\S+) (\\S+)");

	private static final Pattern COPY_CONTEXT = Pattern.compile("COPY (?!--)(\\S+) (\\S+)");

	/**
	 * Replays the Dockerfile's extract stage and the runtime stage's copies under
	 * {@code temp}.
	 */
	public static ImageLayout extract(Path temp) throws Exception {
		Dockerfile dockerfile = Dockerfile.parse(Files.readAllLines(DOCKERFILE));
		JavaRuntime java = JavaRuntime.pick();
		logger.info("Image layout on {} (archive flags: {})", java.description(), java.archiveKind());

		// The extract stage: the same command on the packaged jar.
		Path builder = Files.createDirectories(temp.resolve("builder"));
		Files.copy(packagedJar(), builder.resolve("app.jar"));
		List<String> extract = dockerfile.stage("extract").shellRun("-Djarmode=tools");
		assertThat(extract).as("extract command").contains("extract", "--layers");
		run(java.substitute(extract), builder, temp.resolve("extract.log"), "extract");

		// The runtime stage: ordered layer copies from the extract stage, then the files
		// from the build context.
		Stage runtime = dockerfile.last();
		Path app = Files.createDirectories(temp.resolve("app"));
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
		assertThat(app.resolve("app.jar")).as("launchable jar of the application layer").exists();
		assertThat(app.resolve("lib")).as("dependency jars").isNotEmptyDirectory();
		return new ImageLayout(dockerfile, java, app, List.copyOf(layers));
	}

	/** The runtime stage of the Dockerfile. */
	public Stage runtime() {
		return this.dockerfile.last();
	}

	/**
	 * Runs the Dockerfile's exec-form training RUN in the layout and answers the archive
	 * it wrote.
	 */
	public Path train(Path log) throws Exception {
		run(this.java.substitute(runtime().execRun()), this.app, log, "training");
		return this.app.resolve(this.java.archiveFile(runtime().entrypoint()));
	}

	/** The ENTRYPOINT, with the archive the training run writes. */
	public List<String> entrypoint() {
		return this.java.substitute(runtime().entrypoint());
	}

	/**
	 * The ENTRYPOINT without the archive flag, for a layout that skipped the training
	 * run.
	 */
	public List<String> entrypointWithoutArchive() {
		return this.java.substitute(this.java.withoutArchive(runtime().entrypoint()));
	}

	/** Runs a command to completion (5 minutes at most) and fails unless it exits 0. */
	public static void run(List<String> command, Path workdir, Path log, String name) throws Exception {
		ProcessBuilder builder = new ProcessBuilder(command).directory(workdir.toFile())
			.redirectErrorStream(true)
			.redirectOutput(log.toFile());
		builder.environment().remove("SPRING_PROFILES_ACTIVE");
		Process process = builder.start();
		boolean finished = process.waitFor(5, TimeUnit.MINUTES);
		if (!finished) {
			process.destroyForcibly().waitFor();
		}
		assertThat(finished && process.exitValue() == 0).as("%s %s exits 0; log:%n%s", name, command, tail(log, 40))
			.isTrue();
	}

	/** The last lines of a log file. */
	public static String tail(Path log, int lines) throws IOException {
		List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
		return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
	}

	/** The repackaged jar in {@code target/}. */
	public static Path packagedJar() throws IOException {
		try (Stream<Path> files = Files.list(Paths.get("target"))) {
			List<Path> jars = files.filter((path) -> path.getFileName().toString().matches("pixel-pipeline-.*\\.jar"))
				.filter((path) -> !path.getFileName().toString().endsWith("-plain.jar"))
				.toList();
			assertThat(jars).as("the repackaged jar in target/ (run with ./mvnw verify)").hasSize(1);
			return jars.get(0);
		}
	}

	/** The Dockerfile's stages, each a list of instructions. */
	public record Dockerfile(List<Stage> stages) {

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

		/** The stage of that name. */
		public Stage stage(String name) {
			return this.stages.stream()
				.filter((stage) -> stage.name().equals(name))
				.findFirst()
				.orElseThrow(() -> new AssertionError("Dockerfile has no stage " + name));
		}

		/** The last stage: the image. */
		public Stage last() {
			return this.stages.get(this.stages.size() - 1);
		}

	}

	/** One stage of the Dockerfile. */
	public record Stage(String name, List<String> instructions) {

		private static final JsonMapper JSON = JsonMapper.builder().build();

		/** The shell-form {@code RUN java …} containing the text, split into words. */
		public List<String> shellRun(String containing) {
			return this.instructions.stream()
				.filter((line) -> line.startsWith("RUN java ") && line.contains(containing))
				.map((line) -> Arrays.asList(line.substring(4).split("\\s+")))
				.findFirst()
				.orElseThrow(() -> new AssertionError("stage " + this.name + " has no RUN java " + containing));
		}

		/** The exec-form {@code RUN ["java", …]}. */
		public List<String> execRun() {
			return this.instructions.stream()
				.filter((line) -> line.startsWith("RUN [\"java\""))
				.map((line) -> exec(line.substring(4)))
				.findFirst()
				.orElseThrow(() -> new AssertionError("stage " + this.name + " has no exec-form RUN java"));
		}

		/** The exec-form ENTRYPOINT. */
		public List<String> entrypoint() {
			return this.instructions.stream()
				.filter((line) -> line.startsWith("ENTRYPOINT "))
				.map((line) -> exec(line.substring(11)))
				.findFirst()
				.orElseThrow(() -> new AssertionError("stage " + this.name + " has no exec-form ENTRYPOINT"));
		}

		/** The last USER, {@code root} without one. */
		public String user() {
			return this.instructions.stream()
				.filter((line) -> line.startsWith("USER "))
				.map((line) -> line.substring(5).strip())
				.reduce((first, second) -> second)
				.orElse("root");
		}

		/** The variables the stage's {@code ENV} instructions set ({@code ENV K=V …}). */
		public Map<String, String> env() {
			Map<String, String> env = new java.util.LinkedHashMap<>();
			this.instructions.stream().filter((line) -> line.startsWith("ENV ")).forEach((line) -> {
				for (String pair : line.substring(4).strip().split("\\s+")) {
					int equals = pair.indexOf('=');
					assertThat(equals).as("ENV in K=V form: %s", line).isPositive();
					env.put(pair.substring(0, equals), pair.substring(equals + 1).replace("\"", ""));
				}
			});
			return env;
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
	 *
	 * @param javaHome the JDK
	 * @param aotCache whether it has Java 25's AOT cache
	 */
	public record JavaRuntime(Path javaHome, boolean aotCache) {

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

		/** Which JDK this is. */
		public String description() {
			return "JDK at " + this.javaHome;
		}

		/** {@code AOT cache} or {@code CDS archive}. */
		public String archiveKind() {
			return this.aotCache ? "AOT cache" : "CDS archive";
		}

		/**
		 * The command with this JDK's {@code java}, and CDS flags for AOT cache flags
		 * below Java 25.
		 */
		public List<String> substitute(List<String> command) {
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

		/** The archive file the ENTRYPOINT names. */
		public String archiveFile(List<String> entrypoint) {
			return entrypoint.stream()
				.filter((argument) -> argument.startsWith("-XX:AOTCache="))
				.map((argument) -> argument.substring(argument.indexOf('=') + 1))
				.findFirst()
				.orElseThrow(() -> new AssertionError("ENTRYPOINT uses no -XX:AOTCache: " + entrypoint));
		}

		/** The ENTRYPOINT without its archive flag. */
		public List<String> withoutArchive(List<String> entrypoint) {
			return entrypoint.stream().filter((argument) -> !argument.startsWith("-XX:AOTCache=")).toList();
		}

	}

}
