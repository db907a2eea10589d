package dev.pixelpipeline.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;

/**
 * A local stand-in for Google's OIDC token signing: signs push tokens as Pub/Sub does for
 * a push subscription (issuer {@code https://accounts.google.com}, the subscription's
 * audience, the push service account's verified email) with its own RSA key, and serves
 * that key as a JWKS on a free loopback port, in place of
 * {@code https://www.googleapis.com/oauth2/v3/certs}.
 */
public final class GoogleTokenIssuer implements AutoCloseable {

	private static final String PATH = "/oauth2/v3/certs";

	private final RSAKey key;

	private final HttpServer server;

	private GoogleTokenIssuer() {
		try {
			this.key = new RSAKeyGenerator(2048).keyID("local-google-key").generate();
			this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start the local JWKS endpoint", ex);
		}
		byte[] body = new JWKSet(this.key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
		this.server.createContext(PATH, (exchange) -> {
			exchange.getResponseHeaders().add("Content-Type", "application/json");
			exchange.sendResponseHeaders(200, body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
		this.server.start();
	}

	/** Generates a key and starts serving it. */
	public static GoogleTokenIssuer start() {
		return new GoogleTokenIssuer();
	}

	/**
	 * The JWKS URL, for {@code spring.security.oauth2.resourceserver.jwt.jwk-set-uri}.
	 */
	public String jwkSetUri() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort() + PATH;
	}

	/** A push token for that audience and service account, valid for an hour. */
	public String pushToken(String audience, String serviceAccount) {
		Instant now = Instant.now();
		JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("https://accounts.google.com")
			.audience(audience)
			.subject("113774264463038321964")
			.issueTime(Date.from(now.minusSeconds(10)))
			.expirationTime(Date.from(now.plusSeconds(3600)))
			.claim("azp", "113774264463038321964")
			.claim("email", serviceAccount)
			.claim("email_verified", true)
			.build();
		try {
			SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(this.key.getKeyID()).build(),
					claims);
			jwt.sign(new RSASSASigner(this.key));
			return jwt.serialize();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

}
