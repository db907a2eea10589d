package dev.pixelpipeline.ingest;

/** Makes outside text safe to log: no line breaks or other control characters (log injection), bounded length. */
final class LogText {

	private static final int MAX = 200;

	private LogText() {
	}

	static String safe(String text) {
		if (text == null) {
			return "-";
		}
		StringBuilder out = new StringBuilder(Math.min(text.length(), MAX) + 3);
		for (int i = 0; i < text.length() && out.length() < MAX; i++) {
			char c = text.charAt(i);
			out.append(Character.isISOControl(c) ? '_' : c);
		}
		if (text.length() > MAX) {
			out.append("...");
		}
		return out.toString();
	}

}
