package dev.pixelpipeline.store.bigquery;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.Clustering;
import com.google.cloud.bigquery.DatasetId;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.LegacySQLTypeName;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.Table;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.TableInfo;
import com.google.cloud.bigquery.TimePartitioning;
import dev.pixelpipeline.store.Column;
import dev.pixelpipeline.store.RowSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The BigQuery template table as code: its schema comes from {@link RowSchema}, the same
 * column list as the embedded store, and it can be checked and created.
 *
 * <p>
 * With a table suffix, BigQuery creates each {@code template + suffix} table on first
 * insert with the template's schema; the template itself stays empty, so it is created
 * with the schema only. Without a suffix the template is the one table every row goes to,
 * so it is created partitioned by day on {@code event_time} and clustered by the first
 * attribute (by default {@code user_id}).
 */
final class BigQueryTemplateTable {

	private static final Logger logger = LoggerFactory.getLogger(BigQueryTemplateTable.class);

	/**
	 * Where the schema of the default template table is kept, in BigQuery's JSON schema
	 * format.
	 */
	static final String SCHEMA_RESOURCE = "bigquery/pixel-template-schema.json";

	/** What a check of the dataset and template table found. */
	record Check(boolean ready, String message) {
	}

	private final BigQuery bigQuery;

	private final TableId tableId;

	private final RowSchema schema;

	private final boolean singleTable;

	private final List<String> clustering;

	/** Whether this is the partitioned layout's one table rather than a template. */
	private final boolean partitionedLayout;

	/** What the messages call the table. */
	private final String label;

	/**
	 * @param bigQuery the client
	 * @param tableId the template table
	 * @param schema the columns
	 * @param singleTable whether the table suffix is empty, so that the template receives
	 * every row itself
	 */
	BigQueryTemplateTable(BigQuery bigQuery, TableId tableId, RowSchema schema, boolean singleTable) {
		this(bigQuery, tableId, schema, singleTable,
				schema.attributes().isEmpty() ? List.of() : List.of(schema.attributes().get(0)), false);
	}

	private BigQueryTemplateTable(BigQuery bigQuery, TableId tableId, RowSchema schema, boolean singleTable,
			List<String> clustering, boolean partitionedLayout) {
		this.bigQuery = bigQuery;
		this.tableId = tableId;
		this.schema = schema;
		this.singleTable = singleTable;
		this.clustering = List.copyOf(clustering);
		this.partitionedLayout = partitionedLayout;
		this.label = partitionedLayout ? "table" : "template table";
	}

	/**
	 * The partitioned layout's one table: the same schema, partitioned by day on
	 * {@code event_time} and clustered by the given columns; its check also asks for the
	 * partitioning.
	 */
	static BigQueryTemplateTable partitioned(BigQuery bigQuery, TableId tableId, RowSchema schema,
			List<String> clustering) {
		return new BigQueryTemplateTable(bigQuery, tableId, schema, true, clustering, true);
	}

	/** The template table, for logs: {@code project:dataset.table}. */
	String describe() {
		return describe(this.tableId);
	}

	static String describe(TableId tableId) {
		return tableId.getProject() + ":" + tableId.getDataset() + "." + tableId.getTable();
	}

	/** The BigQuery schema of the given columns. */
	static Schema bigQuerySchema(RowSchema schema) {
		List<Field> fields = new ArrayList<>();
		for (Column column : schema.columns()) {
			fields.add(Field.newBuilder(column.name(), LegacySQLTypeName.valueOfStrict(column.type().bigQueryType()))
				.setMode(column.required() ? Field.Mode.REQUIRED : Field.Mode.NULLABLE)
				.setDescription(column.description())
				.build());
		}
		return Schema.of(fields);
	}

	/**
	 * The schema in BigQuery's JSON schema format, as {@code bq mk --schema} and the
	 * console take it: an array of {@code {"name","type","mode","description"}}.
	 */
	static String schemaJson(RowSchema schema) {
		List<Map<String, String>> fields = new ArrayList<>();
		for (Column column : schema.columns()) {
			Map<String, String> field = new LinkedHashMap<>();
			field.put("name", column.name());
			field.put("type", column.type().bigQueryType());
			field.put("mode", column.required() ? "REQUIRED" : "NULLABLE");
			field.put("description", column.description());
			fields.add(field);
		}
		return JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build().writeValueAsString(fields)
				+ "\n";
	}

	/**
	 * Checks that the dataset and the template table exist and that the template has
	 * every column.
	 * @throws RuntimeException when BigQuery cannot be asked (network, permission)
	 */
	Check check() {
		DatasetId datasetId = DatasetId.of(this.tableId.getProject(), this.tableId.getDataset());
		if (this.bigQuery.getDataset(datasetId) == null) {
			return new Check(false, "BigQuery dataset " + datasetId.getProject() + ":" + datasetId.getDataset()
					+ " does not exist; create it (bq mk --dataset) or set pipeline.bigquery.dataset");
		}
		Table table = this.bigQuery.getTable(this.tableId);
		if (table == null) {
			return new Check(false,
					"BigQuery " + this.label + " " + describe() + " does not exist; create it with the" + " schema in "
							+ SCHEMA_RESOURCE + partitioningHint() + " or set pipeline.bigquery.create-template=true");
		}
		Schema existing = (table.getDefinition() != null) ? table.getDefinition().getSchema() : null;
		Set<String> present = (existing != null)
				? existing.getFields().stream().map((f) -> f.getName().toLowerCase()).collect(Collectors.toSet())
				: Set.of();
		List<String> missing = this.schema.columns()
			.stream()
			.map(Column::name)
			.filter((name) -> !present.contains(name.toLowerCase()))
			.toList();
		if (!missing.isEmpty()) {
			return new Check(false,
					"BigQuery " + this.label + " " + describe() + " lacks the columns " + missing
							+ "; add them as NULLABLE columns (deploy/setup.sh does, with bq update)"
							+ (isPartitionedLayout() ? "" : " so that new tables get them"));
		}
		if (isPartitionedLayout()) {
			TimePartitioning partitioning = (table.getDefinition() instanceof StandardTableDefinition standard)
					? standard.getTimePartitioning() : null;
			if (partitioning == null || !"event_time".equalsIgnoreCase(partitioning.getField())) {
				return new Check(false, "BigQuery table " + describe() + " is not partitioned on event_time: every"
						+ " query would scan all of it. Recreate it partitioned (deploy/setup.sh --layout partitioned)"
						+ " or point pipeline.bigquery.table at a new name with pipeline.bigquery.create-template=true");
			}
		}
		return new Check(true, "BigQuery " + this.label + " " + describe() + " is ready");
	}

	private boolean isPartitionedLayout() {
		return this.partitionedLayout;
	}

	private String partitioningHint() {
		return isPartitionedLayout()
				? ", partitioned by day on event_time and clustered by " + String.join(",", this.clustering) : "";
	}

	/**
	 * Creates the template table when it is missing (the dataset must exist).
	 * @return whether this call created it
	 */
	boolean createIfMissing() {
		if (this.bigQuery.getTable(this.tableId) != null) {
			return false;
		}
		StandardTableDefinition.Builder definition = StandardTableDefinition.newBuilder()
			.setSchema(bigQuerySchema(this.schema));
		if (this.singleTable) {
			definition.setTimePartitioning(
					TimePartitioning.newBuilder(TimePartitioning.Type.DAY).setField("event_time").build());
			if (!this.clustering.isEmpty()) {
				definition.setClustering(Clustering.newBuilder().setFields(this.clustering).build());
			}
		}
		try {
			this.bigQuery.create(TableInfo.newBuilder(this.tableId, definition.build())
				.setDescription("Pixel hits, one row per hit; written by pixel-pipeline")
				.build());
		}
		catch (BigQueryException ex) {
			if (ex.getCode() == 409) {
				// Another instance (or check) created it first.
				return false;
			}
			throw ex;
		}
		logger.info("Created the BigQuery {} {}{}", this.label, describe(),
				this.singleTable ? " (partitioned by day on event_time, clustered by " + this.clustering + ")" : "");
		return true;
	}

}
