package dev.pixelpipeline.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import dev.pixelpipeline.parse.TrackingEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TableLimitTests {

	private static final List<String> ATTRIBUTES = List.of("user_id", "order_id", "type");

	private static final Instant DAY = Instant.parse("2026-11-28T10:00:00Z");

	private final TableNamer namer = new TableNamer("pixel", "_{user_id}_{date}", ATTRIBUTES);

	private final RowSchema schema = RowSchema.of(ATTRIBUTES);

	private final MutableClock clock = new MutableClock(DAY);

	private EventRow row(String userId) {
		Map<String, String> attributes = new LinkedHashMap<>();
		if (userId != null) {
			attributes.put("user_id", userId);
		}
		attributes.put("type", "view");
		TrackingEvent event = new TrackingEvent("m-" + userId, attributes, DAY, null, null, null, 200);
		return new EventRowFactory(this.namer, this.schema).row(event, DAY);
	}

	private TableLimit limit(int maxNewTables, int knownTables) {
		return new TableLimit(this.namer.suffixAttributes(), new TableLimit.Settings(
				Pattern.compile("[A-Za-z0-9_-]{1,64}"), maxNewTables, Duration.ofHours(1), knownTables), this.clock);
	}

	@Test
	void aMillionDistinctUserIdsRequestAtMostTheCapOfTables() {
		RecordingWriter store = new RecordingWriter();
		TableLimitWriter writer = new TableLimitWriter(store, limit(1000, 25_000));
		int stored = 0;
		int refused = 0;
		List<EventRow> batch = new ArrayList<>(500);
		for (int i = 0; i < 1_000_000; i++) {
			batch.add(row("visitor-" + i));
			if (batch.size() == 500) {
				List<RowResult> results = writer.write(batch, DAY.plusSeconds(9));
				assertThat(results).hasSize(500);
				for (RowResult result : results) {
					if (result.isStored()) {
						stored++;
					}
					else {
						assertThat(result.status()).isEqualTo(RowResult.Status.REJECTED);
						assertThat(result.reason()).isEqualTo("table_limit");
						assertThat(result.detail()).contains("pipeline.table.max-new-tables (1000)");
						refused++;
					}
				}
				batch.clear();
			}
		}
		assertThat(store.tables).hasSize(1000);
		assertThat(stored).isEqualTo(1000);
		assertThat(refused).isEqualTo(999_000);
		assertThat(store.rows.get()).isEqualTo(1000);
	}

	@Test
	void aTableSeenRecentlyIsNotNewWhileNewOnesWaitForTheNextWindow() {
		TableLimit limit = limit(2, 10);
		assertThat(limit.check(row("a"))).isNull();
		assertThat(limit.check(row("b"))).isNull();
		assertThat(limit.check(row("c"))).isNotNull();
		assertThat(limit.check(row("a"))).as("admitted before").isNull();
		assertThat(limit.admittedInWindow()).isEqualTo(2);

		this.clock.advance(Duration.ofMinutes(59));
		assertThat(limit.check(row("c"))).as("same window").isNotNull();
		this.clock.advance(Duration.ofMinutes(1));
		assertThat(limit.check(row("c"))).as("next window").isNull();
		assertThat(limit.check(row("d"))).isNull();
		assertThat(limit.check(row("e"))).isNotNull();
		assertThat(limit.refused()).isEqualTo(3);
	}

	@Test
	void memoryIsBoundedAndAForgottenTableCountsAsNewAgain() {
		TableLimit limit = limit(3, 3);
		for (String id : List.of("a", "b", "c")) {
			assertThat(limit.check(row(id))).isNull();
		}
		this.clock.advance(Duration.ofHours(1));
		// Three more new tables push the first three out of memory.
		for (String id : List.of("d", "e", "f")) {
			assertThat(limit.check(row(id))).isNull();
		}
		assertThat(limit.check(row("a"))).as("forgotten, and the window is full").isNotNull();
	}

	@Test
	void valuesOutsideThePatternAreRefusedWithoutTakingASlot() {
		TableLimit limit = limit(1, 10);
		for (String hostile : List.of("x".repeat(65), "a@b.com", "crlf\r\nINJECTED", "café")) {
			RowResult result = limit.check(row(hostile));
			assertThat(result).as(hostile).isNotNull();
			assertThat(result.status()).isEqualTo(RowResult.Status.REJECTED);
			assertThat(result.reason()).isEqualTo(TableLimit.REASON);
			assertThat(result.detail()).contains("'user_id'")
				.contains("pipeline.table.suffix-value-pattern")
				.doesNotContain(hostile);
		}
		assertThat(limit.admittedInWindow()).isZero();
		assertThat(limit.check(row("x".repeat(64)))).isNull();
	}

	@Test
	void aMissingValueIsTheUnknownTableAndNeedsNoPattern() {
		TableLimit limit = limit(1, 10);
		EventRow missing = row(null);
		assertThat(missing.table().full()).isEqualTo("pixel_unknown_20261128");
		assertThat(limit.check(missing)).isNull();
		assertThat(limit.check(row(""))).as("same table").isNull();
	}

	@Test
	void aSingleTableNeedsNoBound() {
		TableNamer single = new TableNamer("pixel", "", ATTRIBUTES);
		TableLimit limit = new TableLimit(single.suffixAttributes(),
				new TableLimit.Settings(Pattern.compile("[a-z]{1,2}"), 1, Duration.ofHours(1), 1), this.clock);
		assertThat(single.suffixAttributes()).isEmpty();
		EventRowFactory rows = new EventRowFactory(single, this.schema);
		for (int i = 0; i < 100; i++) {
			TrackingEvent event = new TrackingEvent("m" + i, Map.of("user_id", "visitor-" + i + "!".repeat(100)), DAY,
					null, null, null, 200);
			assertThat(limit.check(rows.row(event, DAY))).isNull();
		}
	}

	@Test
	void writerKeepsResultsInRowOrderAndPassesWholeBatchesThrough() {
		RecordingWriter store = new RecordingWriter();
		TableLimitWriter writer = new TableLimitWriter(store, limit(2, 10));
		List<RowResult> first = writer.write(List.of(row("a"), row("b"), row("a")), DAY);
		assertThat(first).allMatch(RowResult::isStored);
		assertThat(store.batches).containsExactly(3);

		List<RowResult> mixed = writer.write(List.of(row("c"), row("a"), row("bad.id"), row("b"), row("d")), DAY);
		assertThat(mixed).extracting(RowResult::status)
			.containsExactly(RowResult.Status.REJECTED, RowResult.Status.STORED, RowResult.Status.REJECTED,
					RowResult.Status.STORED, RowResult.Status.REJECTED);
		assertThat(store.batches).containsExactly(3, 2);

		List<RowResult> none = writer.write(List.of(row("e")), DAY);
		assertThat(none).singleElement().extracting(RowResult::reason).isEqualTo("table_limit");
		assertThat(store.batches).as("nothing left to write").containsExactly(3, 2);
	}

	@Test
	void concurrentWritersAdmitExactlyTheCap() throws Exception {
		TableLimit limit = limit(100, 1000);
		ExecutorService threads = Executors.newFixedThreadPool(8);
		AtomicInteger admitted = new AtomicInteger();
		Set<String> admittedTables = ConcurrentHashMap.newKeySet();
		try {
			List<Future<?>> done = new ArrayList<>();
			for (int t = 0; t < 8; t++) {
				int thread = t;
				done.add(threads.submit(() -> {
					for (int i = 0; i < 1000; i++) {
						EventRow row = row("t" + thread + "-" + i);
						if (limit.check(row) == null) {
							admitted.incrementAndGet();
							admittedTables.add(row.table().full());
						}
					}
				}));
			}
			for (Future<?> future : done) {
				future.get();
			}
		}
		finally {
			threads.shutdownNow();
		}
		assertThat(admitted).hasValue(100);
		assertThat(admittedTables).hasSize(100);
	}

	@Test
	void settingsMustBeConsistent() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new TableLimit.Settings(Pattern.compile(".*"), 10, Duration.ofHours(1), 5))
			.withMessageContaining("known-tables");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new TableLimit.Settings(Pattern.compile(".*"), 10, Duration.ZERO, 50))
			.withMessageContaining("new-tables-window");
	}

	static final class RecordingWriter implements BatchWriter {

		final Set<String> tables = new HashSet<>();

		final List<Integer> batches = new ArrayList<>();

		final AtomicInteger rows = new AtomicInteger();

		@Override
		public synchronized List<RowResult> write(List<EventRow> rows, Instant deadline) {
			this.batches.add(rows.size());
			this.rows.addAndGet(rows.size());
			rows.forEach((row) -> this.tables.add(row.table().full()));
			return rows.stream().map((row) -> RowResult.stored()).toList();
		}

		@Override
		public String name() {
			return "recording";
		}

		@Override
		public StoreHealth health() {
			return StoreHealth.up(null, Map.of());
		}

	}

	static final class MutableClock extends Clock {

		private volatile Instant now;

		MutableClock(Instant now) {
			this.now = now;
		}

		void advance(Duration duration) {
			this.now = this.now.plus(duration);
		}

		@Override
		public Instant instant() {
			return this.now;
		}

		@Override
		public ZoneOffset getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

	}

}
