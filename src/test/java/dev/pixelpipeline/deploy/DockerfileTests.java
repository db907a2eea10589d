package dev.pixelpipeline.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code Dockerfile} builds on the classic {@code docker build} that
 * {@code gcloud builds submit --tag} runs on Cloud Build: no instruction, flag, directive
 * or heredoc that only BuildKit understands.
 */
class DockerfileTests {

	/**
	 * Flags the classic builder accepts, per instruction; any other flag (RUN --mount,
	 * COPY --chmod/--link/--parents/--exclude, ADD --checksum/--keep-git-dir, ...) is
	 * BuildKit's.
	 */
	private static final Map<String, Set<String>> CLASSIC_FLAGS = Map.of("FROM", Set.of("--platform"), "COPY",
			Set.of("--from", "--chown"), "ADD", Set.of("--chown"), "HEALTHCHECK",
			Set.of("--interval", "--timeout", "--start-period", "--start-interval", "--retries"));

	private static final Set<String> INSTRUCTIONS = Set.of("FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV",
			"ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK",
			"SHELL");

	/** BuildKit's parser directives; the classic builder ignores or refuses them. */
	private static final Pattern BUILDKIT_DIRECTIVE = Pattern.compile("^#\\s*(syntax|check)\\s*=",
			Pattern.CASE_INSENSITIVE);

	/** A heredoc ({@code RUN <<EOF}, {@code COPY <<-"EOF" file}). */
	private static final Pattern HEREDOC = Pattern.compile("<<-?\\s*[\"']?[A-Za-z_][A-Za-z0-9_]*[\"']?");

	/** Build arguments that only BuildKit defines by itself. */
	private static final Pattern PLATFORM_ARG = Pattern.compile(
			"\\$\\{?(BUILDPLATFORM|BUILDOS|BUILDARCH|BUILDVARIANT|TARGETPLATFORM|TARGETOS|TARGETARCH|TARGETVARIANT)\\b");

	private static final Pattern FLAG = Pattern.compile("--([a-z][a-z-]*)(=\\S*)?");

	@Test
	void dockerfileUsesNothingTheClassicBuilderRefuses() throws IOException {
		List<String> problems = buildKitOnly(Files.readAllLines(Path.of("Dockerfile")));
		assertThat(problems).as("BuildKit-only constructs in Dockerfile (Cloud Build's classic builder refuses them)")
			.isEmpty();
	}

	@Test
	void dependenciesAreResolvedInALayerBeforeTheSourcesAreCopied() throws IOException {
		List<String> lines = Files.readAllLines(Path.of("Dockerfile"));
		int pom = indexOf(lines, "COPY mvnw pom.xml");
		int goOffline = indexOf(lines, "dependency:go-offline");
		int sources = indexOf(lines, "COPY src/");
		assertThat(pom).as("the POM is copied before dependencies are resolved").isLessThan(goOffline);
		assertThat(goOffline).as("dependencies are resolved before the sources are copied").isLessThan(sources);
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', textBlock = """
			RUN --mount=type=cache,target=/root/.m2 ./mvnw package | RUN --mount
			run --network=none make                                | RUN --network
			COPY --chmod=755 mvnw ./                               | COPY --chmod
			COPY --link --from=build /src/app.jar app.jar          | COPY --link
			COPY --parents src/ ./                                 | COPY --parents
			ADD --checksum=sha256:00 https://example.com/a.tgz /   | ADD --checksum
			RUN <<EOF                                              | heredoc
			COPY <<-"EOT" /app/hello.txt                           | heredoc
			FROM --platform=$BUILDPLATFORM eclipse-temurin:25-jdk  | BUILDPLATFORM
			# syntax=docker/dockerfile:1.7                         | directive
			""")
	void eachBuildKitOnlyConstructIsReportedWithItsLine(String line, String named) {
		List<String> problems = buildKitOnly(List.of("FROM eclipse-temurin:25-jre AS base", "WORKDIR /app", line));
		assertThat(problems).singleElement().asString().startsWith("Dockerfile:3: ").contains(named);
	}

	@Test
	void continuationLinesAreReadAsOneInstructionAndReportedAtItsFirstLine() {
		List<String> problems = buildKitOnly(List.of("FROM eclipse-temurin:25-jdk AS build", "RUN \\",
				"    --mount=type=cache,target=/root/.m2 ./mvnw -B package", "COPY --from=build --chown=10001 /a /b"));
		assertThat(problems).singleElement().asString().startsWith("Dockerfile:2: ").contains("RUN --mount");
	}

	@Test
	void classicInstructionsPass() {
		assertThat(buildKitOnly(List.of("# a comment about RUN --mount and <<EOF",
				"FROM eclipse-temurin:25-jdk AS build", "COPY --from=build --chown=10001:10001 /src/app.jar app.jar",
				"RUN java -version && echo --mount",
				"HEALTHCHECK --interval=30s --timeout=3s CMD curl -f http://localhost/",
				"ENTRYPOINT [\"java\", \"-jar\", \"app.jar\"]")))
			.isEmpty();
	}

	/**
	 * Every BuildKit-only construct in a Dockerfile, one message per instruction, each
	 * starting with {@code Dockerfile:<line>:}.
	 */
	static List<String> buildKitOnly(List<String> lines) {
		List<String> problems = new ArrayList<>();
		int index = 0;
		while (index < lines.size()) {
			int first = index + 1;
			String raw = lines.get(index++);
			String stripped = raw.strip();
			if (stripped.startsWith("#")) {
				if (BUILDKIT_DIRECTIVE.matcher(stripped).find()) {
					problems.add(at(first, "BuildKit parser directive (classic builds ignore it, and the features it"
							+ " brings do not exist there): " + stripped));
				}
				continue;
			}
			if (stripped.isEmpty()) {
				continue;
			}
			StringBuilder instruction = new StringBuilder(stripped);
			while (instruction.toString().endsWith("\\") && index < lines.size()) {
				instruction.setLength(instruction.length() - 1);
				String next = lines.get(index++).strip();
				if (!next.startsWith("#")) {
					instruction.append(' ').append(next);
				}
			}
			String text = instruction.toString().strip();
			String[] words = text.split("\\s+", 2);
			String keyword = words[0].toUpperCase(Locale.ROOT);
			String rest = (words.length > 1) ? words[1] : "";
			if (!INSTRUCTIONS.contains(keyword)) {
				problems.add(at(first, "not an instruction of the classic builder: " + words[0]));
				continue;
			}
			Set<String> allowed = CLASSIC_FLAGS.getOrDefault(keyword, Set.of());
			for (String word : rest.split("\\s+")) {
				Matcher flag = FLAG.matcher(word);
				if (!flag.matches()) {
					break;
				}
				if (!allowed.contains("--" + flag.group(1))) {
					problems.add(at(first, keyword + " --" + flag.group(1) + " needs BuildKit: " + text));
				}
			}
			if ((keyword.equals("RUN") || keyword.equals("COPY") || keyword.equals("ADD"))
					&& HEREDOC.matcher(rest).find()) {
				problems.add(at(first, "heredoc needs BuildKit: " + text));
			}
			Matcher platform = PLATFORM_ARG.matcher(text);
			if (platform.find()) {
				problems.add(at(first, platform.group(1) + " is set only by BuildKit: " + text));
			}
		}
		return problems;
	}

	private static String at(int line, String message) {
		return "Dockerfile:" + line + ": " + message;
	}

	private static int indexOf(List<String> lines, String fragment) {
		for (int i = 0; i < lines.size(); i++) {
			if (!lines.get(i).strip().startsWith("#") && lines.get(i).contains(fragment)) {
				return i;
			}
		}
		throw new AssertionError("Dockerfile has no line with " + fragment);
	}

}
