package dev.pixelpipeline.logging;

/**
 * Makes outside text safe to log: no line breaks or other control characters (log
 * injection), bounded length.
 */
public final class LogText {

	private static final int MAX = 200;

	private LogText() {
	}

	/**
	 * The text with every control character (CR, LF, TAB, ESC, NEL, …) and every Unicode
	 * line or paragraph separator replaced by {@code _}, cut to 200 characters; {@code -}
	 * for {@code null}.
	 */
	public static String safe(String text) {
		if (text == null) {
			return "-";
		}
		StringBuilder out = new StringBuilder(Math.min(text.length(), MAX) + 3);
		for (int i = 0; i < text.length() && out.length() < MAX; i++) {
			char c = text.charAt(i);
			out.append((Character.isISOControl(c) || c == '\u2028' || c == '\u2029') ? '_' : c);
		}
		if (text.length() > MAX) {
			out.append("...");
		}
		return out.toString();
	}

}
