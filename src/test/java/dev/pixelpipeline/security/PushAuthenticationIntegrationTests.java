package dev.pixelpipeline.security;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.pixelpipeline.store.embedded.EmbeddedReads;
import dev.pixelpipeline.support.Http;
import dev.pixelpipeline.support.Pushes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The push endpoint in the {@code gcp} profile, on a random port, with Google's keys
 * replaced by a local JWKS endpoint serving this test's own RSA key: only a correctly
 * signed, unexpired token from Google's issuer, for our audience, of a listed and
 * verified service account stores a row.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		// The gcp profile with the embedded store, and without the Cloud Monitoring
		// export and the Pub/Sub client with
		// its required dead-letter topic (no Google credentials here).
		properties = { "pipeline.sink=embedded", "pipeline.embedded.path=:memory:",
				"management.stackdriver.metrics.export.enabled=false", "spring.cloud.gcp.pubsub.enabled=false",
				"pipeline.dead-letter.required=false",
				"pipeline.push.auth.audience=" + PushAuthenticationIntegrationTests.AUDIENCE,
				"pipeline.push.auth.service-accounts=" + PushAuthenticationIntegrationTests.ACCOUNT })
@ActiveProfiles("gcp")
class PushAuthenticationIntegrationTests {

	static final String AUDIENCE = "https://pixel.example.com/pubsub/push";

	static final String ACCOUNT = "pixel-push@example-project.iam.gserviceaccount.com";

	static final String ISSUER = "https://accounts.google.com";

	private static final RSAKey KEY = rsaKey("google-key-1");

	/** Another key under the same key id: its signatures must not verify. */
	private static final RSAKey FORGER = rsaKey("google-key-1");

	private static final HttpServer JWKS = jwks();

	@LocalServerPort
	int port;

	@Autowired
	EmbeddedReads database;

	@DynamicPropertySource
	static void jwkSetUri(DynamicPropertyRegistry registry) {
		registry.add("spring.security.oauth2.resourceserver.jwt.jwk-set-uri",
				() -> "http://127.0.0.1:" + JWKS.getAddress().getPort() + "/oauth2/v3/certs");
	}

	@AfterAll
	static void stopJwks() {
		JWKS.stop(0);
	}

	static Stream<Arguments> refused() {
		return Stream.of(Arguments.of("missing token", null, 401),
				Arguments.of("not a bearer token", "Basic cGl4ZWw6cGl4ZWw=", 401),
				Arguments.of("malformed token", "Bearer not-a-jwt", 401),
				Arguments.of("garbage in three parts", "Bearer aaa.bbb.ccc", 401),
				Arguments.of("bad signature", bearer(sign(FORGER, claims((c) -> {
				}))), 401),
				Arguments.of("expired",
						bearer(sign(KEY, claims((c) -> c.issueTime(ago(7200)).expirationTime(ago(3600))))), 401),
				Arguments.of("expired beyond the clock skew",
						bearer(sign(KEY, claims((c) -> c.issueTime(ago(3600)).expirationTime(ago(60))))), 401),
				Arguments.of("not yet valid", bearer(sign(KEY, claims((c) -> c.notBeforeTime(ago(-600))))), 401),
				Arguments.of("no expiry", bearer(sign(KEY, claims((c) -> c.expirationTime(null)))), 401),
				Arguments.of("wrong issuer", bearer(sign(KEY, claims((c) -> c.issuer("https://evil.example.com")))),
						401),
				Arguments.of("no issuer", bearer(sign(KEY, claims((c) -> c.issuer(null)))), 401),
				Arguments.of("unsigned (alg none)", bearer(new PlainJWT(claims((c) -> {
				})).serialize()), 401), Arguments.of("HMAC-signed with the public modulus", bearer(hmac(claims((c) -> {
				}))), 401),
				Arguments.of("wrong audience",
						bearer(sign(KEY, claims((c) -> c.audience("https://other.example.com")))), 403),
				Arguments.of("no audience", bearer(sign(KEY, claims((c) -> c.audience((String) null)))), 403),
				Arguments.of("wrong email",
						bearer(sign(KEY, claims((c) -> c.claim("email", "attacker@evil.iam.gserviceaccount.com")))),
						403),
				Arguments.of("no email", bearer(sign(KEY, claims((c) -> c.claim("email", null)))), 403),
				Arguments.of("unverified email", bearer(sign(KEY, claims((c) -> c.claim("email_verified", false)))),
						403),
				Arguments.of("email_verified missing",
						bearer(sign(KEY, claims((c) -> c.claim("email_verified", null)))), 403));
	}

	@ParameterizedTest(name = "{0} -> {2}")
	@MethodSource("refused")
	void refusedPushesStoreNothingAndSayNothing(String name, String authorization, int status) throws Exception {
		String userId = "refused_" + UUID.randomUUID().toString().replace("-", "");
		HttpResponse<String> response = Pushes.push(this.port, Pushes.wrappedHit(UUID.randomUUID().toString(), userId),
				authorization);
		assertThat(response.statusCode()).isEqualTo(status);
		assertThat(response.body()).isEmpty();
		if (status == 401) {
			assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly("Bearer");
		}
		assertThat(response.headers().firstValue("Set-Cookie")).isEmpty();
		assertThat(tableNames()).noneMatch((table) -> table.contains(userId));
	}

	@Test
	void validTokenStoresTheRow() throws Exception {
		String userId = "valid_" + UUID.randomUUID().toString().replace("-", "");
		HttpResponse<String> response = Pushes.push(this.port, Pushes.wrappedHit(UUID.randomUUID().toString(), userId),
				bearer(sign(KEY, claims((c) -> {
				}))));
		assertThat(response.statusCode()).isEqualTo(204);
		List<java.util.Map<String, Object>> rows = this.database.events(10, Pushes.table(userId));
		assertThat(rows).singleElement().satisfies((row) -> assertThat(row).containsEntry("user_id", userId));
	}

	@Test
	void issuerWithoutSchemeIsGooglesToo() throws Exception {
		String userId = "bare_issuer_" + UUID.randomUUID().toString().replace("-", "");
		HttpResponse<String> response = Pushes.push(this.port, Pushes.wrappedHit(UUID.randomUUID().toString(), userId),
				bearer(sign(KEY, claims((c) -> c.issuer("accounts.google.com")))));
		assertThat(response.statusCode()).isEqualTo(204);
		assertThat(this.database.events(10, Pushes.table(userId))).hasSize(1);
	}

	@Test
	void expiredWithinTheClockSkewIsStillAccepted() throws Exception {
		String userId = "skew_" + UUID.randomUUID().toString().replace("-", "");
		HttpResponse<String> response = Pushes.push(this.port, Pushes.wrappedHit(UUID.randomUUID().toString(), userId),
				bearer(sign(KEY, claims((c) -> c.issueTime(ago(3600)).expirationTime(ago(5))))));
		assertThat(response.statusCode()).isEqualTo(204);
	}

	@Test
	void everythingButThePushNeedsNoTokenAndIgnoresABadOne() throws Exception {
		assertThat(new Http(this.port).get("/actuator/health").statusCode()).isEqualTo(200);
		assertThat(new Http(this.port)
			.send(java.net.http.HttpRequest
				.newBuilder(java.net.URI.create("http://localhost:" + this.port + "/actuator/health/liveness"))
				.header("Authorization", "Bearer garbage")
				.build())
			.statusCode()).isEqualTo(200);
		assertThat(new Http(this.port).get("/actuator/prometheus").statusCode()).isEqualTo(200);
	}

	@Test
	void protectedResourceMetadataRevealsNoAudienceAccountOrKeys() throws Exception {
		HttpResponse<String> response = new Http(this.port).get("/.well-known/oauth-protected-resource");
		assertThat(response.body()).doesNotContain(AUDIENCE)
			.doesNotContain(ACCOUNT)
			.doesNotContain(String.valueOf(JWKS.getAddress().getPort()));
	}

	@Test
	void gcpProfileServesNoLocalPixelAndNoReadApi() throws Exception {
		assertThat(new Http(this.port).get("/pixel.png?user_id=u1").statusCode()).isEqualTo(404);
		assertThat(new Http(this.port).get("/api/tables").statusCode()).isEqualTo(404);
		assertThat(new Http(this.port).get("/api/events").statusCode()).isEqualTo(404);
	}

	private List<String> tableNames() throws Exception {
		return this.database.tables().stream().map(EmbeddedReads.TableInfo::name).toList();
	}

	private static String bearer(String token) {
		return "Bearer " + token;
	}

	private static Date ago(long seconds) {
		return Date.from(Instant.now().minusSeconds(seconds));
	}

	/**
	 * Claims as Google puts them in a push subscription's token, changed by
	 * {@code change}.
	 */
	private static JWTClaimsSet claims(Consumer<JWTClaimsSet.Builder> change) {
		JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(ISSUER)
			.audience(AUDIENCE)
			.subject("113774264463038321964")
			.issueTime(ago(10))
			.expirationTime(ago(-3600))
			.claim("azp", "113774264463038321964")
			.claim("email", ACCOUNT)
			.claim("email_verified", true);
		change.accept(claims);
		return claims.build();
	}

	private static String sign(RSAKey key, JWTClaimsSet claims) {
		try {
			SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
					claims);
			jwt.sign(new RSASSASigner(key));
			return jwt.serialize();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * The classic key-confusion attack: HS256 with the RSA public key's bytes as the
	 * shared secret.
	 */
	private static String hmac(JWTClaimsSet claims) {
		try {
			SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(KEY.getKeyID()).build(),
					claims);
			jwt.sign(new MACSigner(KEY.toRSAPublicKey().getEncoded()));
			return jwt.serialize();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static RSAKey rsaKey(String keyId) {
		try {
			return new RSAKeyGenerator(2048).keyID(keyId).generate();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static HttpServer jwks() {
		try {
			HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
			byte[] body = new JWKSet(KEY.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
			server.createContext("/oauth2/v3/certs", (exchange) -> {
				exchange.getResponseHeaders().add("Content-Type", "application/json");
				exchange.sendResponseHeaders(200, body.length);
				exchange.getResponseBody().write(body);
				exchange.close();
			});
			server.start();
			return server;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot start the local JWKS endpoint", ex);
		}
	}

}
