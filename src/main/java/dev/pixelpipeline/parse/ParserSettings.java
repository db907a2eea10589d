package dev.pixelpipeline.parse;

import java.util.List;

/**
 * The rules {@link HitParser} applies, as plain values so the parser needs no Spring.
 *
 * @param pixelPath the URL path that counts as a hit, such as {@code /pixel.png}
 * @param attributes the query parameter names kept, in column order
 * @param anonymizeIp whether to zero the host part of client IPs (IPv4 last octet, IPv6
 * last 80 bits)
 * @param dropUserAgent whether to drop the user agent entirely
 * @param maxValueLength the longest attribute value kept; longer ones are cut
 * @param maxFieldLength the longest user agent or referer kept; longer ones are cut
 * @param maxQueryParameters query parameters past this many are not looked at
 * @param maxUrlLength a logged URL longer than this is a bad row
 */
public record ParserSettings(String pixelPath, List<String> attributes, boolean anonymizeIp, boolean dropUserAgent,
		int maxValueLength, int maxFieldLength, int maxQueryParameters, int maxUrlLength) {

	/**
	 * The limits documented in the README: 1024-character values, 100 parameters, 16 KiB
	 * URLs.
	 */
	public static ParserSettings of(String pixelPath, List<String> attributes, boolean anonymizeIp,
			boolean dropUserAgent) {
		return new ParserSettings(pixelPath, attributes, anonymizeIp, dropUserAgent, 1024, 4096, 100, 16 * 1024);
	}

	public ParserSettings {
		attributes = List.copyOf(attributes);
	}

}
