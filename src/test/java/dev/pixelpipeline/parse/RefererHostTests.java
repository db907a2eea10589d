package dev.pixelpipeline.parse;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class RefererHostTests {

	@ParameterizedTest(name = "{0} -> {1}")
	@CsvSource(delimiter = '|', nullValues = "null",
			value = { "https://www.example.com/checkout/thanks|www.example.com",
					"http://Shop.Example.COM:8080/?q=1|shop.example.com", "https://user:pw@example.org#top|example.org",
					"https://example.net?utm_source=x|example.net", "https://example.com./a|example.com",
					"https://[2001:db8::1]:443/p|[2001:db8::1]", "HTTPS://EXAMPLE.COM|example.com",
					"https://exa mple.com/ü path|exa mple.com", "android-app://com.google.android.gm/|null",
					"/relative|null", "''|null", "null|null", "https://|null", "https:///path|null",
					"https://:80/|null" })
	void extractsTheHost(String referer, String host) {
		assertThat(RefererHost.of(referer)).isEqualTo(host);
	}

}
