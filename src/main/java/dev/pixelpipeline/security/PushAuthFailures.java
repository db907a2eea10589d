package dev.pixelpipeline.security;

import java.io.IOException;

import dev.pixelpipeline.logging.LogText;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;

/**
 * Answers a refused push with a bare status and no body: 401 for a missing or invalid
 * token, 403 for a genuine token of the wrong audience or account, 503 when the signing
 * keys cannot be fetched (Pub/Sub redelivers). The reason goes to the log, never to the
 * caller.
 */
final class PushAuthFailures implements AuthenticationEntryPoint, AccessDeniedHandler, AuthenticationFailureHandler {

	private static final Logger logger = LoggerFactory.getLogger(PushAuthFailures.class);

	private final String jwkSetUri;

	PushAuthFailures(String jwkSetUri) {
		this.jwkSetUri = jwkSetUri;
	}

	@Override
	public void commence(HttpServletRequest request, HttpServletResponse response,
			AuthenticationException authException) {
		if (request.getHeader(HttpHeaders.AUTHORIZATION) == null) {
			logger.debug("Push refused (401): no bearer token");
		}
		else {
			logger.info("Push refused (401): {}", LogText.safe(authException.getMessage()));
		}
		response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
		response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
		response.setContentLength(0);
	}

	@Override
	public void onAuthenticationFailure(HttpServletRequest request, HttpServletResponse response,
			AuthenticationException exception) throws IOException {
		if (exception instanceof AuthenticationServiceException) {
			logger.error("Push token could not be verified: signing keys at {} unavailable ({}); answering 503 so "
					+ "Pub/Sub redelivers", this.jwkSetUri, LogText.safe(exception.getMessage()));
			response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
			response.setContentLength(0);
			return;
		}
		commence(request, response, exception);
	}

	@Override
	public void handle(HttpServletRequest request, HttpServletResponse response,
			AccessDeniedException accessDeniedException) {
		response.setStatus(HttpServletResponse.SC_FORBIDDEN);
		response.setContentLength(0);
	}

}
