package dev.pixelpipeline.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link BatchWriter} that hands on only the rows a {@link TableLimit} admits and
 * answers the others with the limit's rejection, so that a refused row never reaches the
 * store and no table is created for it.
 */
public final class TableLimitWriter implements BatchWriter {

	private final BatchWriter writer;

	private final TableLimit limit;

	/**
	 * @param writer the store's writer
	 * @param limit the bound on its tables
	 */
	public TableLimitWriter(BatchWriter writer, TableLimit limit) {
		this.writer = writer;
		this.limit = limit;
	}

	@Override
	public List<RowResult> write(List<EventRow> rows, Instant deadline) {
		RowResult[] results = null;
		List<EventRow> admitted = null;
		for (int i = 0; i < rows.size(); i++) {
			RowResult refusal = this.limit.check(rows.get(i));
			if (refusal != null && results == null) {
				results = new RowResult[rows.size()];
				admitted = new ArrayList<>(rows.subList(0, i));
			}
			if (refusal != null) {
				results[i] = refusal;
			}
			else if (admitted != null) {
				admitted.add(rows.get(i));
			}
		}
		if (results == null) {
			return this.writer.write(rows, deadline);
		}
		List<RowResult> written = admitted.isEmpty() ? List.of() : this.writer.write(admitted, deadline);
		int next = 0;
		for (int i = 0; i < results.length; i++) {
			if (results[i] == null) {
				results[i] = written.get(next++);
			}
		}
		return Arrays.asList(results);
	}

	@Override
	public String name() {
		return this.writer.name();
	}

	@Override
	public StoreHealth health() {
		return this.writer.health();
	}

}
