/**
 * Push authentication: with {@code pipeline.push.auth.enabled}, only a Google-signed OIDC
 * token of an allowed push service account may call {@code /pubsub/push}. Depends on
 * {@code config}, {@code ingest} and {@code logging}; nothing depends on it.
 */
package dev.pixelpipeline.security;
