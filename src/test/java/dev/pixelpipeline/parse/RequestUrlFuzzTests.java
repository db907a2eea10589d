package dev.pixelpipeline.parse;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the text rules a visitor controls: URL splitting, query decoding and client
 * address normalisation. None throws; values stay within 1024 characters; an anonymised
 * address is IPv4 ending in {@code .0} or IPv6 with its last 80 bits zero.
 * {@code ./mvnw verify} replays the committed inputs in
 * {@code RequestUrlFuzzTestsInputs/<method>}; {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class RequestUrlFuzzTests {

	private static final List<String> NAMES = List.of("user_id", "order_id", "type");

	@FuzzTest(maxDuration = "5m")
	void url(byte[] input) {
		String text = new String(input, StandardCharsets.UTF_8);
		RequestUrl url = RequestUrl.parse(text);
		if (url != null) {
			assertThat(url.path()).startsWith("/");
			assertThat(url.query()).doesNotContain("#");
			Map<String, String> values = QueryString.extract(url.query(), NAMES, 1024, 100);
			assertThat(NAMES).containsAll(values.keySet());
			values.values().forEach((value) -> assertThat(value.length()).isLessThanOrEqualTo(1024));
		}
		Map<String, String> direct = QueryString.extract(text, NAMES, 1024, 100);
		direct.values().forEach((value) -> assertThat(value.length()).isLessThanOrEqualTo(1024));
	}

	@FuzzTest(maxDuration = "5m")
	void clientIp(byte[] input) {
		String text = new String(input, StandardCharsets.UTF_8);
		assertAnonymised(ClientIp.normalize(text, true));
		String kept = ClientIp.normalize(text, false);
		if (kept != null) {
			assertThat(kept).doesNotContain("\n", "\r", "\u0000");
		}
	}

	/**
	 * An anonymised address: absent, IPv4 with a zero last octet, or IPv6 whose last 80
	 * bits are zero.
	 */
	static void assertAnonymised(String address) {
		if (address == null) {
			return;
		}
		InetAddress parsed = ClientIp.parse(address);
		assertThat(parsed).as("%s is an IP address", address).isNotNull();
		byte[] bytes = parsed.getAddress();
		int kept = (parsed instanceof Inet4Address) ? 3 : 6;
		for (int i = kept; i < bytes.length; i++) {
			assertThat(bytes[i]).as("byte %d of %s", i, address).isZero();
		}
	}

}
