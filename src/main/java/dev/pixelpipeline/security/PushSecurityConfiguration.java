package dev.pixelpipeline.security;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

import dev.pixelpipeline.config.PipelineProperties;
import dev.pixelpipeline.ingest.PushServlet;
import org.springframework.boot.autoconfigure.condition.AllNestedConditions;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.security.config.ObjectPostProcessor;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.DefaultSecurityFilterChain;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.util.StringUtils;
import org.springframework.web.client.RestTemplate;

/**
 * Web security. With {@code pipeline.push.auth.enabled} in push mode the push endpoint
 * requires the Google-signed OIDC token of a push subscription and everything else stays
 * open; otherwise security stays out of the way (in pull mode there is no push endpoint
 * to protect, so no push settings are needed either). Either way: no sessions, no CSRF
 * tokens, no login page.
 */
@Configuration(proxyBeanMethods = false)
class PushSecurityConfiguration {

	/** The only path that requires a token. */
	static final String PUSH_PATH = PushServlet.PATH;

	/** Google's signing keys for its OIDC tokens. */
	static final String GOOGLE_JWK_SET_URI = "https://www.googleapis.com/oauth2/v3/certs";

	/** The issuers Google documents for its ID tokens. */
	static final Set<String> GOOGLE_ISSUERS = Set.of("https://accounts.google.com", "accounts.google.com");

	/**
	 * With push authentication off, {@code /pubsub/push} has nothing for Spring Security
	 * to do: a chain without filters (the firewall of {@code FilterChainProxy} still
	 * checks the request). The full open chain below (security context, anonymous user,
	 * header writers, authorization) cost about a tenth of the request threads' CPU per
	 * push in a profile, for a 204 that only Pub/Sub reads.
	 */
	@Bean
	@Order(Ordered.HIGHEST_PRECEDENCE)
	@Conditional(NoPushAuthentication.class)
	SecurityFilterChain openPushFilterChain() {
		return new DefaultSecurityFilterChain(PathPatternRequestMatcher.withDefaults().matcher(PUSH_PATH));
	}

	@Bean
	@Conditional(NoPushAuthentication.class)
	SecurityFilterChain openSecurityFilterChain(HttpSecurity http) throws Exception {
		return stateless(http).authorizeHttpRequests((requests) -> requests.anyRequest().permitAll()).build();
	}

	@Bean
	@Conditional(PushAuthentication.class)
	SecurityFilterChain pushSecurityFilterChain(HttpSecurity http, JwtDecoder pushTokenDecoder,
			PipelineProperties properties, OAuth2ResourceServerProperties resourceServer) throws Exception {
		PushTokenAuthorization authorization = new PushTokenAuthorization(properties.push().auth());
		PushAuthFailures failures = new PushAuthFailures(jwkSetUri(resourceServer));
		RequestMatcher push = PathPatternRequestMatcher.withDefaults().matcher(PUSH_PATH);
		return stateless(http)
			.authorizeHttpRequests(
					(requests) -> requests.requestMatchers(push).access(authorization).anyRequest().permitAll())
			.oauth2ResourceServer((resourceServerConfig) -> resourceServerConfig.bearerTokenResolver(onlyOn(push))
				.jwt((jwt) -> jwt.decoder(pushTokenDecoder))
				.authenticationEntryPoint(failures)
				.accessDeniedHandler(failures)
				.withObjectPostProcessor(new ObjectPostProcessor<BearerTokenAuthenticationFilter>() {

					@Override
					public <O extends BearerTokenAuthenticationFilter> O postProcess(O filter) {
						// Unreachable signing keys are a transient failure (503,
						// redelivered), not a server error.
						filter.setAuthenticationFailureHandler(failures);
						return filter;
					}

				}))
			.exceptionHandling(
					(exceptions) -> exceptions.authenticationEntryPoint(failures).accessDeniedHandler(failures))
			.build();
	}

	/**
	 * Verifies Google OIDC tokens: RS256 signature by a key of the JWKS, issuer, expiry
	 * (required) and not-before with the configured clock skew. Audience and account are
	 * checked by {@link PushTokenAuthorization}, so that a genuine token for someone else
	 * is answered 403, not 401.
	 */
	@Bean
	@Conditional(PushAuthentication.class)
	JwtDecoder pushTokenDecoder(PipelineProperties properties, OAuth2ResourceServerProperties resourceServer) {
		SimpleClientHttpRequestFactory requests = new SimpleClientHttpRequestFactory();
		requests.setConnectTimeout(Duration.ofSeconds(3));
		requests.setReadTimeout(Duration.ofSeconds(5));
		NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSetUri(jwkSetUri(resourceServer))
			.jwsAlgorithm(SignatureAlgorithm.RS256)
			.restOperations(new RestTemplate(requests))
			.build();
		decoder.setJwtValidator(
				new DelegatingOAuth2TokenValidator<>(new JwtTimestampValidator(properties.push().auth().clockSkew()),
						new JwtClaimValidator<Object>(JwtClaimNames.EXP, Objects::nonNull),
						new JwtClaimValidator<Object>(JwtClaimNames.ISS,
								(issuer) -> issuer != null && GOOGLE_ISSUERS.contains(issuer.toString()))));
		return decoder;
	}

	static String jwkSetUri(OAuth2ResourceServerProperties resourceServer) {
		String configured = resourceServer.getJwt().getJwkSetUri();
		return StringUtils.hasText(configured) ? configured : GOOGLE_JWK_SET_URI;
	}

	/**
	 * Reads bearer tokens on the push path only, so that a stray header elsewhere (health
	 * checks) is ignored.
	 */
	private static BearerTokenResolver onlyOn(RequestMatcher push) {
		DefaultBearerTokenResolver header = new DefaultBearerTokenResolver();
		return (request) -> push.matches(request) ? header.resolve(request) : null;
	}

	/**
	 * Pushes must be authenticated: {@code pipeline.push.auth.enabled} in push mode (the
	 * default mode).
	 */
	static final class PushAuthentication extends AllNestedConditions {

		PushAuthentication() {
			super(ConfigurationPhase.REGISTER_BEAN);
		}

		@ConditionalOnBooleanProperty("pipeline.push.auth.enabled")
		static final class AuthEnabled {

		}

		@ConditionalOnProperty(name = "pipeline.ingest.mode", havingValue = "push", matchIfMissing = true)
		static final class PushMode {

		}

	}

	/**
	 * The opposite of {@link PushAuthentication}: authentication off, or pull mode, where
	 * {@code /pubsub/push} does not exist.
	 */
	static final class NoPushAuthentication extends AnyNestedCondition {

		NoPushAuthentication() {
			super(ConfigurationPhase.REGISTER_BEAN);
		}

		@ConditionalOnBooleanProperty(name = "pipeline.push.auth.enabled", havingValue = false, matchIfMissing = true)
		static final class AuthDisabled {

		}

		@ConditionalOnProperty(name = "pipeline.ingest.mode", havingValue = "pull")
		static final class PullMode {

		}

	}

	private static HttpSecurity stateless(HttpSecurity http) throws Exception {
		return http.csrf(AbstractHttpConfigurer::disable)
			.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.requestCache(AbstractHttpConfigurer::disable)
			.formLogin(AbstractHttpConfigurer::disable)
			.httpBasic(AbstractHttpConfigurer::disable)
			.logout(AbstractHttpConfigurer::disable);
	}

}
