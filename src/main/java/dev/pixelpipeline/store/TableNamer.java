package dev.pixelpipeline.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

import dev.pixelpipeline.parse.TrackingEvent;

/**
 * Computes the table of an event from the template and the suffix pattern, as BigQuery
 * template tables do.
 *
 * <p>
 * In the pattern, {@code {name}} is the value of a whitelisted attribute and
 * {@code {date}} the UTC event date as {@code yyyyMMdd}. Every character of the suffix
 * outside {@code [A-Za-z0-9_]} becomes {@code _}; a missing or empty value becomes
 * {@code unknown}. A name longer than BigQuery's 1,024 characters is cut and ends in a
 * hash of the whole suffix, so distinct long values stay in distinct tables.
 */
public final class TableNamer {

	/** BigQuery's longest table name. */
	public static final int MAX_TABLE_NAME = 1024;

	private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

	private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

	private final String template;

	private final List<Object> parts;

	/**
	 * Parses the pattern once.
	 * @throws IllegalArgumentException when the template is not a table name, the pattern
	 * has an unclosed brace, or it names an attribute that is not whitelisted
	 */
	public TableNamer(String template, String suffixPattern, List<String> attributes) {
		if (template == null || !TABLE_NAME.matcher(template).matches() || template.length() > 512) {
			throw new IllegalArgumentException("pipeline.table.template: '" + template
					+ "' is not a table name (letters, digits, underscores; at most 512)");
		}
		this.template = template;
		this.parts = parse((suffixPattern != null) ? suffixPattern : "", attributes);
	}

	private static List<Object> parse(String pattern, List<String> attributes) {
		List<Object> parts = new ArrayList<>();
		int pos = 0;
		while (pos < pattern.length()) {
			int open = pattern.indexOf('{', pos);
			if (open < 0) {
				parts.add(sanitize(pattern.substring(pos)));
				break;
			}
			if (open > pos) {
				parts.add(sanitize(pattern.substring(pos, open)));
			}
			int close = pattern.indexOf('}', open);
			if (close < 0) {
				throw new IllegalArgumentException("pipeline.table.suffix: unclosed '{' in '" + pattern + "'");
			}
			String name = pattern.substring(open + 1, close);
			if (!name.equals("date") && !attributes.contains(name)) {
				throw new IllegalArgumentException("pipeline.table.suffix: '{" + name
						+ "}' is neither {date} nor one of pipeline.attributes " + attributes);
			}
			parts.add(new Placeholder(name));
			pos = close + 1;
		}
		return List.copyOf(parts);
	}

	/** The template table name. */
	public String template() {
		return this.template;
	}

	/**
	 * The attributes whose values make up the suffix, in pattern order, without
	 * {@code date}; empty for a single table.
	 */
	public List<String> suffixAttributes() {
		List<String> names = new ArrayList<>();
		for (Object part : this.parts) {
			if (part instanceof Placeholder placeholder && !placeholder.date() && !names.contains(placeholder.name())) {
				names.add(placeholder.name());
			}
		}
		return List.copyOf(names);
	}

	/** The table an event belongs in. */
	public TableName name(TrackingEvent event) {
		StringBuilder suffix = new StringBuilder(64);
		for (int i = 0; i < this.parts.size(); i++) {
			Object part = this.parts.get(i);
			if (part instanceof Placeholder placeholder) {
				if (placeholder.date()) {
					appendDate(suffix, event.eventTime());
					continue;
				}
				String value = event.attributes().get(placeholder.name());
				suffix.append((value == null || value.isEmpty()) ? "unknown" : sanitize(value));
			}
			else {
				suffix.append((String) part);
			}
		}
		return new TableName(this.template, fit(suffix.toString()));
	}

	private String fit(String suffix) {
		int room = MAX_TABLE_NAME - this.template.length();
		if (suffix.length() <= room) {
			return suffix;
		}
		String hash = "_" + sha256Hex(suffix).substring(0, 16);
		return suffix.substring(0, room - hash.length()) + hash;
	}

	static String sanitize(String value) {
		StringBuilder out = null;
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
			if (!ok && out == null) {
				out = new StringBuilder(value.length());
				out.append(value, 0, i);
			}
			if (out != null) {
				if (!ok && Character.isHighSurrogate(c) && i + 1 < value.length()
						&& Character.isLowSurrogate(value.charAt(i + 1))) {
					i++;
				}
				out.append(ok ? c : '_');
			}
		}
		return (out != null) ? out.toString() : value;
	}

	private static String sha256Hex(String text) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is required of every JVM", ex);
		}
	}

	/**
	 * Appends the UTC date as {@code yyyyMMdd}: the digits written directly for years 1
	 * to 9999 (a formatter call per row allocated more than the rest of the name), the
	 * formatter for any other year.
	 */
	static void appendDate(StringBuilder out, Instant instant) {
		LocalDate date = LocalDate.ofInstant(instant, ZoneOffset.UTC);
		int year = date.getYear();
		if (year < 1 || year > 9999) {
			out.append(sanitize(DATE.format(instant)));
			return;
		}
		appendDigits(out, year, 4);
		appendDigits(out, date.getMonthValue(), 2);
		appendDigits(out, date.getDayOfMonth(), 2);
	}

	private static void appendDigits(StringBuilder out, int value, int width) {
		for (int divisor = (width == 4) ? 1000 : 10; divisor > 0; divisor /= 10) {
			out.append((char) ('0' + (value / divisor) % 10));
		}
	}

	private record Placeholder(String name) {

		boolean date() {
			return "date".equals(this.name);
		}

	}

}
