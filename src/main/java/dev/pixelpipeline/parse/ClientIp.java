package dev.pixelpipeline.parse;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

import com.google.common.base.CharMatcher;
import com.google.common.net.InetAddresses;

/**
 * Normalises the logged client address: drops the port ({@code 203.0.113.54:51324},
 * {@code [2001:db8::1]:443}) and the IPv6 zone ({@code fe80::1%eth0}), and, when asked,
 * anonymises it as analytics tools do: IPv4 keeps its first three octets, IPv6 its first
 * 48 bits. Guava's {@link InetAddresses} parses and formats (RFC 5952) the address; it
 * never looks a name up.
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
		InetAddress address = parse(host);
		if (address == null) {
			return anonymize ? null : host.replaceAll("[\\p{Cntrl}]", "");
		}
		return InetAddresses.toAddrString(anonymize ? anonymized(address) : address);
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

	/**
	 * Parses an IPv4 or IPv6 literal, an IPv6 one possibly with a zone; an IPv4-mapped
	 * IPv6 address comes back as the IPv4 address.
	 * @return the address, or {@code null} when the text is not one
	 */
	static InetAddress parse(String text) {
		// Guava takes non-ASCII digits as InetAddress does; a logged address never has
		// them.
		if (!CharMatcher.ascii().matchesAllOf(text)) {
			return null;
		}
		String literal = text;
		int zone = text.indexOf('%');
		if (zone >= 0) {
			// A zone belongs to IPv6 only; drop it here so that Guava never resolves it
			// against this machine's network interfaces.
			literal = text.substring(0, zone);
			if (literal.indexOf(':') < 0) {
				return null;
			}
		}
		try {
			return InetAddresses.forString(literal);
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	private static InetAddress anonymized(InetAddress address) {
		byte[] bytes = address.getAddress();
		int keep = (address instanceof Inet4Address) ? 3 : 6;
		for (int i = keep; i < bytes.length; i++) {
			bytes[i] = 0;
		}
		try {
			// Builds from bytes: no lookup.
			return InetAddress.getByAddress(bytes);
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException("an address of " + bytes.length + " bytes", ex);
		}
	}

}
