package dev.pixelpipeline.parse;

/**
 * Normalises the logged client address: drops the port ({@code 203.0.113.54:51324},
 * {@code [2001:db8::1]:443}) and, when asked, anonymises it as analytics tools do: IPv4
 * keeps its first three octets, IPv6 its first 48 bits.
 */
public final class ClientIp {

	private ClientIp() {
	}

	/**
	 * Returns the address without port, anonymised if asked.
	 * @return the address; {@code null} when absent, or when anonymising an address that
	 * cannot be parsed (an address we cannot anonymise is not stored)
	 */
	public static String normalize(String logged, boolean anonymize) {
		if (logged == null || logged.isBlank()) {
			return null;
		}
		String host = stripPort(logged.strip());
		int[] v4 = parseIpv4(host);
		if (v4 != null) {
			return anonymize ? v4[0] + "." + v4[1] + "." + v4[2] + ".0" : host;
		}
		int zone = host.indexOf('%');
		byte[] v6 = parseIpv6((zone >= 0) ? host.substring(0, zone) : host);
		if (v6 != null) {
			if (isIpv4Mapped(v6)) {
				int a = v6[12] & 0xff;
				int b = v6[13] & 0xff;
				int c = v6[14] & 0xff;
				return a + "." + b + "." + c + "." + (anonymize ? 0 : v6[15] & 0xff);
			}
			if (anonymize) {
				for (int i = 6; i < 16; i++) {
					v6[i] = 0;
				}
			}
			return formatIpv6(v6);
		}
		return anonymize ? null : host.replaceAll("[\\p{Cntrl}]", "");
	}

	static String stripPort(String text) {
		if (text.startsWith("[")) {
			int close = text.indexOf(']');
			return (close > 0) ? text.substring(1, close) : text.substring(1);
		}
		int first = text.indexOf(':');
		if (first >= 0 && first == text.lastIndexOf(':')) {
			return text.substring(0, first);
		}
		return text;
	}

	static int[] parseIpv4(String text) {
		int[] octets = new int[4];
		int part = 0;
		int value = -1;
		int digits = 0;
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c >= '0' && c <= '9') {
				value = (value < 0 ? 0 : value * 10) + (c - '0');
				if (++digits > 3 || value > 255) {
					return null;
				}
			}
			else if (c == '.' && value >= 0 && part < 3) {
				octets[part++] = value;
				value = -1;
				digits = 0;
			}
			else {
				return null;
			}
		}
		if (part != 3 || value < 0) {
			return null;
		}
		octets[3] = value;
		return octets;
	}

	static byte[] parseIpv6(String text) {
		if (text.isEmpty() || text.length() > 45) {
			return null;
		}
		int doubleColon = text.indexOf("::");
		if (doubleColon >= 0 && text.indexOf("::", doubleColon + 1) >= 0) {
			return null;
		}
		String head = (doubleColon >= 0) ? text.substring(0, doubleColon) : text;
		String tail = (doubleColon >= 0) ? text.substring(doubleColon + 2) : "";
		byte[] headBytes = groups(head, doubleColon < 0);
		byte[] tailBytes = groups(tail, true);
		if (headBytes == null || tailBytes == null) {
			return null;
		}
		int total = headBytes.length + tailBytes.length;
		if ((doubleColon < 0 && total != 16) || (doubleColon >= 0 && total > 14)) {
			return null;
		}
		byte[] address = new byte[16];
		System.arraycopy(headBytes, 0, address, 0, headBytes.length);
		System.arraycopy(tailBytes, 0, address, 16 - tailBytes.length, tailBytes.length);
		return address;
	}

	/**
	 * Parses colon-separated hex groups; the last may be a dotted IPv4 when
	 * {@code allowIpv4} is set.
	 */
	private static byte[] groups(String text, boolean allowIpv4) {
		if (text.isEmpty()) {
			return new byte[0];
		}
		String[] parts = text.split(":", -1);
		byte[] out = new byte[16];
		int n = 0;
		for (int i = 0; i < parts.length; i++) {
			String part = parts[i];
			if (allowIpv4 && i == parts.length - 1 && part.indexOf('.') >= 0) {
				int[] v4 = parseIpv4(part);
				if (v4 == null || n + 4 > 16) {
					return null;
				}
				for (int octet : v4) {
					out[n++] = (byte) octet;
				}
				continue;
			}
			if (part.isEmpty() || part.length() > 4 || n + 2 > 16) {
				return null;
			}
			int value = 0;
			for (int j = 0; j < part.length(); j++) {
				int digit = Character.digit(part.charAt(j), 16);
				if (digit < 0 || part.charAt(j) >= 0x80) {
					return null;
				}
				value = (value << 4) | digit;
			}
			out[n++] = (byte) (value >> 8);
			out[n++] = (byte) value;
		}
		byte[] result = new byte[n];
		System.arraycopy(out, 0, result, 0, n);
		return result;
	}

	private static boolean isIpv4Mapped(byte[] address) {
		for (int i = 0; i < 10; i++) {
			if (address[i] != 0) {
				return false;
			}
		}
		return address[10] == (byte) 0xff && address[11] == (byte) 0xff;
	}

	/**
	 * Formats as RFC 5952: lower case, no leading zeros, the longest run of two or more
	 * zero groups as {@code ::}.
	 */
	static String formatIpv6(byte[] address) {
		int[] groups = new int[8];
		for (int i = 0; i < 8; i++) {
			groups[i] = ((address[2 * i] & 0xff) << 8) | (address[2 * i + 1] & 0xff);
		}
		int bestStart = -1;
		int bestLength = 0;
		for (int i = 0; i < 8;) {
			if (groups[i] != 0) {
				i++;
				continue;
			}
			int j = i;
			while (j < 8 && groups[j] == 0) {
				j++;
			}
			if (j - i > bestLength && j - i >= 2) {
				bestStart = i;
				bestLength = j - i;
			}
			i = j;
		}
		StringBuilder out = new StringBuilder(39);
		for (int i = 0; i < 8; i++) {
			if (i == bestStart) {
				out.append("::");
				i += bestLength - 1;
				continue;
			}
			if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
				out.append(':');
			}
			out.append(Integer.toHexString(groups[i]));
		}
		return out.toString();
	}

}
