package dev.pixelpipeline.security;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Date;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.pixelpipeline.support.Pushes;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the signing keys cannot be fetched, a push is answered 503 (Pub/Sub redelivers it
 * later), never 2xx and never a 500 with a stack trace.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "pipeline.embedded.path=:memory:", "pipeline.push.auth.enabled=true",
				"pipeline.push.auth.audience=https://pixel.example.com/pubsub/push",
				"pipeline.push.auth.service-accounts=pixel-push@example-project.iam.gserviceaccount.com" })
class PushKeysUnavailableIntegrationTests {

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void unreachableJwks(DynamicPropertyRegistry registry) throws IOException {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0)) {
			closedPort = socket.getLocalPort();
		}
		registry.add("spring.security.oauth2.resourceserver.jwt.jwk-set-uri",
				() -> "http://127.0.0.1:" + closedPort + "/certs");
	}

	@Test
	void unreachableKeysAnswer503WithoutDetail() throws Exception {
		SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k").build(),
				new JWTClaimsSet.Builder().issuer("https://accounts.google.com")
					.audience("https://pixel.example.com/pubsub/push")
					.expirationTime(Date.from(Instant.now().plusSeconds(600)))
					.claim("email", "pixel-push@example-project.iam.gserviceaccount.com")
					.claim("email_verified", true)
					.build());
		jwt.sign(new RSASSASigner(new RSAKeyGenerator(2048).keyID("k").generate()));
		HttpResponse<String> response = Pushes.push(this.port, Pushes.wrappedHit("m-1", "u1"),
				"Bearer " + jwt.serialize());
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(response.body()).isEmpty();
	}

}
