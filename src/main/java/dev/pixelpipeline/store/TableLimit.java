package dev.pixelpipeline.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the tables that rows of the template layout make BigQuery create, since visitors
 * choose the attribute values a table suffix is made of.
 *
 * <p>
 * A row is admitted when its table suffix was admitted recently (the last
 * {@code knownTables} suffixes, least recently used forgotten first), or when every
 * suffix attribute value matches the value pattern and fewer than {@code maxNewTables}
 * new suffixes were admitted in the current window (fixed windows, the first opened by
 * the first new suffix). Otherwise the row is {@link RowResult.Status#REJECTED} with
 * reason {@value #REASON}: a bad row, kept and replayable. A missing or empty value (the
 * {@code unknown} table) needs no pattern. The bound is per instance: memory stays
 * bounded by {@code knownTables} entries whatever the traffic.
 */
public final class TableLimit {

	/** The bad-row reason of a refused row. */
	public static final String REASON = "table_limit";

	private static final Logger logger = LoggerFactory.getLogger(TableLimit.class);

	/** At most one log line per this long about refused rows. */
	static final Duration LOG_EVERY = Duration.ofMinutes(1);

	/**
	 * The bound.
	 *
	 * @param valuePattern what each suffix attribute value must match (whole value)
	 * @param maxNewTables how many new suffixes one window may admit
	 * @param window how long a window lasts
	 * @param knownTables how many admitted suffixes are remembered as not new
	 */
	public record Settings(Pattern valuePattern, int maxNewTables, Duration window, int knownTables) {

		public Settings {
			if (maxNewTables < 1 || knownTables < maxNewTables || window.isNegative() || window.isZero()) {
				throw new IllegalArgumentException("pipeline.table: max-new-tables (" + maxNewTables
						+ ") must be at least 1 and at most known-tables (" + knownTables + "), and new-tables-window ("
						+ window + ") positive");
			}
		}

	}

	private final List<String> attributes;

	private final Settings settings;

	private final Clock clock;

	private final Cache<String, Boolean> known;

	private final Object lock = new Object();

	// Guarded by lock.
	private Instant windowEnd = Instant.MIN;

	private int admittedInWindow;

	private long refused;

	private long refusedSinceLog;

	private Instant nextLog = Instant.MIN;

	/**
	 * The bound for a table namer's suffix.
	 * @param attributes the attributes the suffix is made of
	 * ({@link TableNamer#suffixAttributes()})
	 * @param settings the bound
	 * @param clock the clock windows are measured on
	 */
	public TableLimit(List<String> attributes, Settings settings, Clock clock) {
		this.attributes = List.copyOf(attributes);
		this.settings = settings;
		this.clock = clock;
		this.known = CacheBuilder.newBuilder().maximumSize(settings.knownTables()).build();
	}

	/**
	 * Whether the row may go to its table: {@code null} when admitted, else the rejection
	 * that makes it a bad row. A row of an empty suffix (a single table) is always
	 * admitted.
	 */
	public RowResult check(EventRow row) {
		String suffix = row.table().suffix();
		if (suffix.isEmpty() || this.known.getIfPresent(suffix) != null) {
			return null;
		}
		for (String attribute : this.attributes) {
			Object value = row.values().get(attribute);
			String text = (value != null) ? value.toString() : "";
			if (!text.isEmpty() && !this.settings.valuePattern().matcher(text).matches()) {
				// The value is the visitor's: say how it is wrong, not what it is (the
				// bad
				// row keeps the message).
				return refuse(row,
						"the value of '" + attribute + "' (" + text.length()
								+ " characters) does not match pipeline.table.suffix-value-pattern "
								+ this.settings.valuePattern().pattern() + ", so no table is made for it");
			}
		}
		synchronized (this.lock) {
			if (this.known.getIfPresent(suffix) != null) {
				return null;
			}
			Instant now = this.clock.instant();
			if (!now.isBefore(this.windowEnd)) {
				this.windowEnd = now.plus(this.settings.window());
				this.admittedInWindow = 0;
			}
			if (this.admittedInWindow < this.settings.maxNewTables()) {
				this.admittedInWindow++;
				this.known.put(suffix, Boolean.TRUE);
				return null;
			}
		}
		return refuse(row, "table '" + row.table().full() + "' would be one more than pipeline.table.max-new-tables ("
				+ this.settings.maxNewTables() + ") new tables per " + this.settings.window() + " on this instance");
	}

	private RowResult refuse(EventRow row, String detail) {
		Instant now = this.clock.instant();
		long count;
		synchronized (this.lock) {
			this.refused++;
			this.refusedSinceLog++;
			if (now.isBefore(this.nextLog)) {
				return RowResult.rejected(REASON, detail);
			}
			count = this.refusedSinceLog;
			this.refusedSinceLog = 0;
			this.nextLog = now.plus(LOG_EVERY);
		}
		// The table name is safe to log: the namer left only [A-Za-z0-9_] in it.
		logger.warn("Table limit: {} rows refused since the last report, the latest for table '{}': {}. They are bad"
				+ " rows with reason {} and can be replayed; raise pipeline.table.max-new-tables if the traffic is"
				+ " genuine, or use pipeline.bigquery.layout=partitioned for open traffic", count, row.table().full(),
				detail, REASON);
		return RowResult.rejected(REASON, detail);
	}

	/** How many new suffixes the current window admitted so far (for a gauge). */
	public int admittedInWindow() {
		synchronized (this.lock) {
			return this.clock.instant().isBefore(this.windowEnd) ? this.admittedInWindow : 0;
		}
	}

	/** How many rows were refused since start (for a counter). */
	public long refused() {
		synchronized (this.lock) {
			return this.refused;
		}
	}

}
