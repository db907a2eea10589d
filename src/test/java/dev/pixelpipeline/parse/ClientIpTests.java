package dev.pixelpipeline.parse;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Port, brackets and zone are dropped before parsing; an address with a leading zero in
 * an octet (octal or decimal?), an IPv4 address with a zone or non-ASCII digits is no
 * address, so it is not stored when anonymising.
 */
class ClientIpTests {

	@ParameterizedTest(name = "{0} -> {1} / {2}")
	@CsvSource(delimiter = '|', nullValues = "null", textBlock = """
			203.0.113.54:51324         | 203.0.113.0      | 203.0.113.54
			198.51.100.23              | 198.51.100.0     | 198.51.100.23
			[2001:db8:cafe::17]:60211  | 2001:db8:cafe::  | 2001:db8:cafe::17
			2001:db8:cafe:1:2:3:4:5    | 2001:db8:cafe::  | 2001:db8:cafe:1:2:3:4:5
			2001:0DB8:0000:0000:0000:0000:0000:0001 | 2001:db8::  | 2001:db8::1
			[::1]:80                   | ::               | ::1
			::ffff:192.0.2.33          | 192.0.2.0        | 192.0.2.33
			fe80::1%eth0               | fe80::           | fe80::1
			not-an-ip                  | null             | not-an-ip
			256.1.1.1                  | null             | 256.1.1.1
			1:2:3:4:5:6:7:8:9          | null             | 1:2:3:4:5:6:7:8:9
			010.1.1.1                  | null             | 010.1.1.1
			192.0.2.1%eth0             | null             | 192.0.2.1%eth0
			１９２.０.２.１               | null             | １９２.０.２.１
			''                         | null             | null
			""")
	void stripsPortAndAnonymises(String logged, String anonymised, String plain) {
		assertThat(ClientIp.normalize(logged, true)).isEqualTo(anonymised);
		assertThat(ClientIp.normalize(logged, false)).isEqualTo(plain);
	}

}
