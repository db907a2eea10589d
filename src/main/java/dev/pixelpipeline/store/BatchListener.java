package dev.pixelpipeline.store;

import java.util.List;

/**
 * Told about each batch a {@link BatchingSink} wrote, for metrics. Lives beside the ports
 * so that a listener (such as {@code ingest.PipelineMetrics}) needs no concrete sink.
 */
@FunctionalInterface
public interface BatchListener {

	/**
	 * Called after each batch, on a writer thread.
	 * @param sink the writer's name
	 * @param rows the rows in the batch
	 * @param nanos how long the write took
	 * @param results the results, one per row
	 */
	void onBatch(String sink, int rows, long nanos, List<RowResult> results);

}
