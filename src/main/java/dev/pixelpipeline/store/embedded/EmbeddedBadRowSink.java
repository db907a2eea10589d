package dev.pixelpipeline.store.embedded;

import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;

import dev.pixelpipeline.store.BadRow;
import dev.pixelpipeline.store.BadRowSink;
import dev.pixelpipeline.store.StoreHealth;

/**
 * Keeps bad rows in the embedded store's {@code _bad_rows} table, whichever sink stores
 * the good rows.
 */
final class EmbeddedBadRowSink implements BadRowSink {

	private final EmbeddedDatabase database;

	EmbeddedBadRowSink(EmbeddedDatabase database) {
		this.database = database;
	}

	@Override
	public CompletableFuture<Void> record(BadRow badRow) {
		try {
			this.database.insertBadRow(badRow, null);
			return CompletableFuture.completedFuture(null);
		}
		catch (SQLException ex) {
			return CompletableFuture.failedFuture(new IllegalStateException(
					"Embedded store at " + this.database.describe() + " could not record a bad row: " + ex.getMessage(),
					ex));
		}
	}

	@Override
	public String name() {
		return "embedded";
	}

	@Override
	public StoreHealth health() {
		return this.database.health();
	}

}
