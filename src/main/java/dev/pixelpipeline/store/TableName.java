package dev.pixelpipeline.store;

/**
 * Where a row goes: the template table and the suffix BigQuery appends to it
 * ({@code templateSuffix}).
 *
 * @param template the template table, such as {@code pixel}
 * @param suffix the computed suffix, such as {@code _u1_20261128}; empty for a single
 * table
 */
public record TableName(String template, String suffix) {

	/** The full table name, template and suffix, such as {@code pixel_u1_20261128}. */
	public String full() {
		return this.template + this.suffix;
	}

	@Override
	public String toString() {
		return full();
	}

}
