package dev.pixelpipeline.security;

import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import dev.pixelpipeline.config.PipelineProperties;
import dev.pixelpipeline.logging.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;
import org.springframework.util.StringUtils;

/**
 * Grants a push only to a verified token for our audience from one of the configured push
 * service accounts: {@code aud} contains {@code pipeline.push.auth.audience},
 * {@code email} is in {@code pipeline.push.auth.service-accounts} and
 * {@code email_verified} is true.
 */
final class PushTokenAuthorization implements AuthorizationManager<RequestAuthorizationContext> {

	private static final Logger logger = LoggerFactory.getLogger(PushTokenAuthorization.class);

	private final String audience;

	private final Set<String> serviceAccounts;

	/**
	 * @param auth the push authentication settings; {@link PipelineProperties} has
	 * checked that they name an audience and at least one service account
	 */
	PushTokenAuthorization(PipelineProperties.Auth auth) {
		this.audience = auth.audience().strip();
		this.serviceAccounts = auth.serviceAccounts()
			.stream()
			.filter(StringUtils::hasText)
			.map(String::strip)
			.collect(Collectors.toUnmodifiableSet());
	}

	@Override
	public AuthorizationResult authorize(Supplier<? extends Authentication> authentication,
			RequestAuthorizationContext context) {
		Authentication current = authentication.get();
		if (!(current instanceof JwtAuthenticationToken token) || !token.isAuthenticated()) {
			// Anonymous: the entry point answers 401.
			return new AuthorizationDecision(false);
		}
		Jwt jwt = token.getToken();
		boolean granted = isGranted(jwt);
		if (!granted) {
			logger.warn(
					"Push refused (403): token of {} (email_verified {}) for audience {}; expected audience {} "
							+ "and one of pipeline.push.auth.service-accounts",
					LogText.safe(text(jwt.getClaims().get("email"))),
					LogText.safe(text(jwt.getClaims().get("email_verified"))),
					LogText.safe(String.valueOf(jwt.getAudience())), LogText.safe(this.audience));
		}
		return new AuthorizationDecision(granted);
	}

	boolean isGranted(Jwt jwt) {
		List<String> audiences = jwt.getAudience();
		Object email = jwt.getClaims().get("email");
		Object verified = jwt.getClaims().get("email_verified");
		return audiences != null && audiences.contains(this.audience) && email instanceof String address
				&& this.serviceAccounts.contains(address) && (Boolean.TRUE.equals(verified) || "true".equals(verified));
	}

	private static String text(Object value) {
		return (value != null) ? value.toString() : null;
	}

}
