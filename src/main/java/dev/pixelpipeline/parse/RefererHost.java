package dev.pixelpipeline.parse;

import java.util.Locale;

/**
 * The host of a referer URL, lower case, without user info or port: what analysts group
 * by. Hand-written rather than {@link java.net.URI}, which throws on the unescaped
 * characters real referers carry.
 */
final class RefererHost {

	private RefererHost() {
	}

	/**
	 * The host of an absolute http(s) URL, or {@code null} (absent, relative, another
	 * scheme, no host).
	 */
	static String of(String referer) {
		if (referer == null) {
			return null;
		}
		int start;
		if (referer.regionMatches(true, 0, "https://", 0, 8)) {
			start = 8;
		}
		else if (referer.regionMatches(true, 0, "http://", 0, 7)) {
			start = 7;
		}
		else {
			return null;
		}
		int end = start;
		while (end < referer.length() && "/?#".indexOf(referer.charAt(end)) < 0) {
			end++;
		}
		String authority = referer.substring(start, end);
		authority = authority.substring(authority.lastIndexOf('@') + 1);
		String host;
		if (authority.startsWith("[")) {
			int close = authority.indexOf(']');
			host = (close > 0) ? authority.substring(0, close + 1) : null;
		}
		else {
			int colon = authority.indexOf(':');
			host = (colon >= 0) ? authority.substring(0, colon) : authority;
		}
		if (host == null || host.isEmpty()) {
			return null;
		}
		if (host.endsWith(".")) {
			host = host.substring(0, host.length() - 1);
		}
		return host.isEmpty() ? null : host.toLowerCase(Locale.ROOT);
	}

}
