package dev.pixelpipeline.parse;

/**
 * A logged request URL split into path and raw query, tolerant of what load balancers log
 * verbatim (spaces, {@code |}, stray {@code %}) where {@link java.net.URI} would refuse.
 *
 * @param path the raw path, starting with {@code /}
 * @param query the raw query without {@code ?}, or {@code ""} when there is none
 */
public record RequestUrl(String path, String query) {

	/**
	 * Splits an absolute ({@code scheme://authority/path?query}) or path-only
	 * ({@code /path?query}) URL.
	 * @return the parts, or {@code null} when the text is not a usable URL
	 */
	public static RequestUrl parse(String url) {
		if (url == null) {
			return null;
		}
		String text = url.strip();
		int start;
		int schemeEnd = text.indexOf("://");
		if (schemeEnd > 0 && isScheme(text, schemeEnd)) {
			start = authorityEnd(text, schemeEnd + 3);
		}
		else if (text.startsWith("//")) {
			start = authorityEnd(text, 2);
		}
		else if (text.startsWith("/")) {
			start = 0;
		}
		else {
			return null;
		}
		int fragment = text.indexOf('#', start);
		int end = (fragment >= 0) ? fragment : text.length();
		int question = text.indexOf('?', start);
		if (question < 0 || question > end) {
			String path = text.substring(start, end);
			return new RequestUrl(path.isEmpty() ? "/" : path, "");
		}
		String path = text.substring(start, question);
		return new RequestUrl(path.isEmpty() ? "/" : path, text.substring(question + 1, end));
	}

	private static boolean isScheme(String text, int end) {
		if (!isAsciiLetter(text.charAt(0))) {
			return false;
		}
		for (int i = 1; i < end; i++) {
			char c = text.charAt(i);
			if (!isAsciiLetter(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') {
				return false;
			}
		}
		return true;
	}

	private static boolean isAsciiLetter(char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	}

	private static int authorityEnd(String text, int from) {
		for (int i = from; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c == '/' || c == '?' || c == '#') {
				return i;
			}
		}
		return text.length();
	}

}
