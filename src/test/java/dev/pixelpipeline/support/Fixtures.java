package dev.pixelpipeline.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the real-shaped LogEntries in {@code src/test/resources/fixtures}; {@link Pushes}
 * wraps them into push bodies.
 */
public final class Fixtures {

	private static final Pattern INSERT_ID = Pattern.compile("\"insertId\"\\s*:\\s*\"[^\"]*\"");

	private Fixtures() {
	}

	/** The bytes of a fixture file, such as {@code cdn-cache-hit.json}. */
	public static byte[] bytes(String name) {
		try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
			if (in == null) {
				throw new IllegalArgumentException("No fixture " + name);
			}
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The text of a fixture file. */
	public static String text(String name) {
		return new String(bytes(name), StandardCharsets.UTF_8);
	}

	/** A fixture with its text changed, e.g. a different requestUrl. */
	public static String replaced(String name, String target, String replacement) {
		String text = text(name);
		if (!text.contains(target)) {
			throw new IllegalArgumentException("Fixture " + name + " has no '" + target + "'");
		}
		return text.replace(target, replacement);
	}

	/**
	 * A LogEntry with its {@code insertId} set to {@code insertId}, replacing the one it
	 * has: each real entry has its own, and the pipeline keys rows by it, so a test that
	 * stores one fixture many times gives each copy its own.
	 */
	public static String withInsertId(String logEntry, String insertId) {
		Matcher matcher = INSERT_ID.matcher(logEntry);
		if (!matcher.find()) {
			throw new IllegalArgumentException("LogEntry has no insertId: " + logEntry);
		}
		return matcher.replaceFirst(Matcher.quoteReplacement("\"insertId\": \"" + insertId + "\""));
	}

	/** A fixture file with its own {@code insertId}, see {@link #withInsertId}. */
	public static String textWithInsertId(String name, String insertId) {
		return withInsertId(text(name), insertId);
	}

}
