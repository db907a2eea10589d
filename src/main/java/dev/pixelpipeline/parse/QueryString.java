package dev.pixelpipeline.parse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the whitelisted parameters of a raw query string as
 * {@code application/x-www-form-urlencoded} UTF-8.
 *
 * <p>
 * Rules: {@code +} is a space; the first occurrence of a name wins; names match
 * case-sensitively; an invalid {@code %} escape is kept literally; malformed UTF-8
 * becomes U+FFFD; a value longer than the limit is cut; only the first
 * {@code maxParameters} parameters are looked at.
 */
public final class QueryString {

	private QueryString() {
	}

	/**
	 * Extracts the named parameters.
	 * @param query the raw query, without {@code ?}
	 * @param names the names to keep, in the order the result should have
	 * @param maxValueLength the longest value kept (in UTF-16 chars, never splitting a
	 * surrogate pair)
	 * @param maxParameters how many {@code &}-separated parameters are looked at
	 * @return the values found, in the order of {@code names}; absent names are missing
	 */
	public static Map<String, String> extract(String query, List<String> names, int maxValueLength, int maxParameters) {
		String[] found = new String[names.size()];
		int remaining = names.size();
		int seen = 0;
		int pos = 0;
		int length = query.length();
		while (pos <= length && remaining > 0 && seen < maxParameters) {
			int amp = query.indexOf('&', pos);
			int end = (amp < 0) ? length : amp;
			if (end > pos) {
				seen++;
				int eq = query.indexOf('=', pos);
				int nameEnd = (eq < 0 || eq > end) ? end : eq;
				String name = decode(query, pos, nameEnd);
				int index = names.indexOf(name);
				if (index >= 0 && found[index] == null) {
					String value = (nameEnd < end) ? decode(query, nameEnd + 1, end) : "";
					found[index] = cut(value, maxValueLength);
					remaining--;
				}
			}
			pos = end + 1;
		}
		Map<String, String> result = new LinkedHashMap<>();
		for (int i = 0; i < found.length; i++) {
			if (found[i] != null) {
				result.put(names.get(i), found[i]);
			}
		}
		return result;
	}

	/**
	 * Decodes {@code text[from, to)}: {@code +} to space, valid {@code %XX} to bytes, the
	 * rest as UTF-8.
	 */
	static String decode(String text, int from, int to) {
		boolean plain = true;
		for (int i = from; i < to; i++) {
			char c = text.charAt(i);
			if (c == '%' || c == '+') {
				plain = false;
				break;
			}
		}
		if (plain) {
			return text.substring(from, to);
		}
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(to - from);
		int i = from;
		while (i < to) {
			char c = text.charAt(i);
			if (c == '+') {
				bytes.write(' ');
				i++;
			}
			else if (c == '%' && hexAt(text, i + 1, to) && hexAt(text, i + 2, to)) {
				bytes.write((Character.digit(text.charAt(i + 1), 16) << 4) | Character.digit(text.charAt(i + 2), 16));
				i += 3;
			}
			else {
				int cp = text.codePointAt(i);
				int n = Character.charCount(cp);
				if (cp < 0x80) {
					bytes.write(cp);
				}
				else {
					byte[] utf8 = text.substring(i, Math.min(i + n, to)).getBytes(StandardCharsets.UTF_8);
					bytes.write(utf8, 0, utf8.length);
				}
				i += n;
			}
		}
		return bytes.toString(StandardCharsets.UTF_8);
	}

	private static boolean hexAt(String text, int index, int to) {
		return index < to && Character.digit(text.charAt(index), 16) >= 0 && text.charAt(index) < 0x80;
	}

	static String cut(String value, int max) {
		if (value.length() <= max) {
			return value;
		}
		int end = max;
		if (Character.isHighSurrogate(value.charAt(end - 1))) {
			end--;
		}
		return value.substring(0, end);
	}

}
