package dev.pixelpipeline.store.embedded;

import java.sql.SQLException;
import java.time.Instant;
import java.util.Collections;
import java.util.List;

import dev.pixelpipeline.logging.LogText;
import dev.pixelpipeline.store.BatchWriter;
import dev.pixelpipeline.store.EventRow;
import dev.pixelpipeline.store.RowResult;
import dev.pixelpipeline.store.StoreHealth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes batches into the {@link EmbeddedDatabase}: one transaction per batch, so a push
 * costs a fraction of a commit instead of one each.
 */
final class EmbeddedBatchWriter implements BatchWriter {

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedBatchWriter.class);

	private final EmbeddedDatabase database;

	EmbeddedBatchWriter(EmbeddedDatabase database) {
		this.database = database;
	}

	@Override
	public List<RowResult> write(List<EventRow> rows, Instant deadline) {
		try {
			return this.database.insert(rows);
		}
		catch (SQLException ex) {
			logger.error("Embedded store at {} failed to write {} rows; they will be redelivered: {}",
					this.database.describe(), rows.size(), LogText.safe(ex.getMessage()));
			return Collections.nCopies(rows.size(), RowResult.retry("store_error", ex.getMessage()));
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
