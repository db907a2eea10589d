package dev.pixelpipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README is a short map whose links resolve: every relative link in {@code README.md}
 * and {@code docs/*.md} names an existing file and, where it has one, an existing heading
 * of that file; and each page of {@code docs/} names the code and tests it describes.
 */
class DocsLinksTests {

	/** {@code [text](target)}, the only link form the pages use. */
	private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");

	private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6} +(.+?) *$");

	@Test
	void everyRelativeLinkResolves() throws IOException {
		List<String> broken = new ArrayList<>();
		int checked = 0;
		for (Path page : pages()) {
			String text = prose(Files.readString(page));
			Matcher link = LINK.matcher(text);
			while (link.find()) {
				String target = link.group(1);
				if (target.matches("^[a-z][a-z0-9+.-]*:.*")) {
					continue; // https:, mailto: …: not a file of this repository
				}
				checked++;
				int hash = target.indexOf('#');
				String file = (hash < 0) ? target : target.substring(0, hash);
				String anchor = (hash < 0) ? null : target.substring(hash + 1);
				Path resolved = file.isEmpty() ? page : page.resolveSibling(file).normalize();
				if (!Files.exists(resolved)) {
					broken.add(page + ": " + target + " (no file " + resolved + ")");
				}
				else if (anchor != null && resolved.toString().endsWith(".md")
						&& !anchors(Files.readString(resolved)).contains(anchor)) {
					broken.add(page + ": " + target + " (no heading #" + anchor + " in " + resolved + ")");
				}
			}
		}
		assertThat(checked).as("relative links in the README and docs/").isGreaterThan(20);
		assertThat(broken).as("links that do not resolve").isEmpty();
	}

	@Test
	void readmeIsAShortMap() throws IOException {
		String readme = Files.readString(Path.of("README.md"));
		assertThat(readme.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).as("README.md bytes")
			.isLessThan(12_000);
		assertThat(readme).contains("./mvnw spring-boot:run", "./mvnw verify", "## Quick start", "## How it works");
		for (Path page : pages()) {
			if (page.startsWith("docs")) {
				assertThat(readme).as("the README links %s", page).contains("(" + page.toString().replace('\\', '/'));
			}
		}
	}

	@Test
	void everyPageNamesItsCodeAndTests() throws IOException {
		for (Path page : pages()) {
			if (page.startsWith("docs")) {
				assertThat(anchors(Files.readString(page))).as("%s has a 'Code and tests' section", page)
					.contains("code-and-tests");
			}
		}
	}

	private static List<Path> pages() throws IOException {
		List<Path> pages = new ArrayList<>(List.of(Path.of("README.md")));
		try (Stream<Path> docs = Files.list(Path.of("docs"))) {
			docs.filter((path) -> path.toString().endsWith(".md")).sorted().forEach(pages::add);
		}
		return pages;
	}

	/**
	 * The text without fenced code blocks and inline code, where brackets are no links.
	 */
	private static String prose(String markdown) {
		return markdown.replaceAll("(?ms)^```.*?^```", "").replaceAll("`[^`\n]*`", "");
	}

	/** The anchors GitHub gives the headings of a page. */
	private static Set<String> anchors(String markdown) {
		Set<String> anchors = new HashSet<>();
		Map<String, Integer> seen = new HashMap<>();
		Matcher heading = HEADING.matcher(markdown.replaceAll("(?ms)^```.*?^```", ""));
		while (heading.find()) {
			String slug = heading.group(1)
				.toLowerCase(Locale.ROOT)
				.replaceAll("[^\\p{L}\\p{N} _-]", "")
				.replace(' ', '-');
			int count = seen.merge(slug, 1, Integer::sum);
			anchors.add((count == 1) ? slug : slug + "-" + (count - 1));
		}
		return anchors;
	}

}
