package dev.pixelpipeline.config;

import dev.pixelpipeline.store.embedded.EmbeddedDatabase;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.context.annotation.Conditional;
import org.springframework.stereotype.Component;

/** Readiness of the embedded DuckDB store: it answers a query. */
@Component("embeddedStore")
@Conditional(EmbeddedStoreCondition.class)
class EmbeddedStoreHealthIndicator extends AbstractHealthIndicator {

	private final EmbeddedDatabase database;

	EmbeddedStoreHealthIndicator(EmbeddedDatabase database) {
		super("Embedded DuckDB store is not answering");
		this.database = database;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) throws Exception {
		this.database.ping();
		builder.up().withDetail("path", this.database.describe());
	}

}
