package dev.pixelpipeline.parse;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class RequestUrlTests {

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = ';', nullValues = "null", textBlock = """
			https://track.example.com/pixel.png?a=1      ; /pixel.png ; a=1
			http://track.example.com:8080/pixel.png?a=1  ; /pixel.png ; a=1
			/pixel.png?a=1&b=2                           ; /pixel.png ; a=1&b=2
			/pixel.png                                   ; /pixel.png ; ''
			https://track.example.com?a=1                ; /          ; a=1
			//track.example.com/pixel.png?a=1            ; /pixel.png ; a=1
			/pixel.png?a=b c|d#frag                      ; /pixel.png ; a=b c|d
			""")
	void splitsPathAndQuery(String url, String path, String query) {
		RequestUrl parsed = RequestUrl.parse(url);
		assertThat(parsed).isEqualTo(new RequestUrl(path, query));
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', textBlock = """
			pixel.png?a=1
			track.example.com/pixel.png
			1https://x/pixel.png
			''
			""")
	void refusesWhatIsNotAUrl(String url) {
		assertThat(RequestUrl.parse(url)).isNull();
	}

}
