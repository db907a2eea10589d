package dev.pixelpipeline.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Conditional;

/**
 * Matches when the read API is on: {@code pipeline.read-api.enabled} (the default) and an
 * embedded store to read from (see {@link EmbeddedStoreCondition}). The read API, the
 * stats it charts and the local page all carry it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
@Documented
@ConditionalOnProperty(prefix = "pipeline.read-api", name = "enabled", havingValue = "true", matchIfMissing = true)
@Conditional(EmbeddedStoreCondition.class)
public @interface ConditionalOnReadApi {

}
