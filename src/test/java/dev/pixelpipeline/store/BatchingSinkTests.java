package dev.pixelpipeline.store;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BatchingSinkTests {

	private static final Instant DEADLINE = Instant.now().plusSeconds(60);

	private static EventRow row(String id, int bytes) {
		return new EventRow(new TableName("pixel", "_u"), id, Map.of("message_id", id), bytes);
	}

	/**
	 * A writer that records the batches it is given, then holds those that start with a
	 * given id (all, by default) until a latch is released.
	 */
	static class RecordingWriter implements BatchWriter {

		final List<List<String>> batches = Collections.synchronizedList(new ArrayList<>());

		final CountDownLatch release;

		final Predicate<String> holds;

		RecordingWriter(CountDownLatch release) {
			this(release, (firstId) -> true);
		}

		RecordingWriter(CountDownLatch release, Predicate<String> holds) {
			this.release = release;
			this.holds = holds;
		}

		@Override
		public List<RowResult> write(List<EventRow> rows, Instant deadline) {
			this.batches.add(rows.stream().map(EventRow::messageId).toList());
			if (this.holds.test(rows.get(0).messageId())) {
				try {
					this.release.await(10, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			return rows.stream()
				.map((r) -> r.messageId().startsWith("bad") ? RowResult.rejected("invalid", "no") : RowResult.stored())
				.toList();
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

	@Test
	void groupsConcurrentRowsIntoBatchesAndAnswersEachRow() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		RecordingWriter writer = new RecordingWriter(release);
		try (BatchingSink sink = new BatchingSink(writer,
				new BatchSettings(100, 1_000_000, Duration.ofMillis(200), 1000, 1), null)) {
			List<CompletableFuture<RowResult>> futures = new ArrayList<>();
			for (int i = 0; i < 250; i++) {
				futures.add(sink.submit(row((i == 7) ? "bad7" : "m" + i, 10), DEADLINE));
			}
			release.countDown();
			CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
			assertThat(writer.batches).hasSizeBetween(3, 4)
				.allSatisfy((b) -> assertThat(b).hasSizeLessThanOrEqualTo(100));
			assertThat(writer.batches.stream().mapToInt(List::size).sum()).isEqualTo(250);
			assertThat(futures.get(7).get().status()).isEqualTo(RowResult.Status.REJECTED);
			assertThat(futures.get(8).get()).isEqualTo(RowResult.stored());
		}
	}

	@Test
	void splitsBatchesAtTheByteBudget() throws Exception {
		RecordingWriter writer = new RecordingWriter(new CountDownLatch(0));
		try (BatchingSink sink = new BatchingSink(writer, new BatchSettings(100, 1000, Duration.ofMillis(200), 1000, 1),
				null)) {
			List<CompletableFuture<RowResult>> futures = new ArrayList<>();
			for (int i = 0; i < 10; i++) {
				futures.add(sink.submit(row("m" + i, 300), DEADLINE));
			}
			CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
			assertThat(writer.batches).allSatisfy((b) -> assertThat(b).hasSizeLessThanOrEqualTo(3));
			assertThat(writer.batches.stream().mapToInt(List::size).sum()).isEqualTo(10);
		}
	}

	@Test
	void refusesRowsPastTheBoundInsteadOfQueueing() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		RecordingWriter writer = new RecordingWriter(release);
		try (BatchingSink sink = new BatchingSink(writer, new BatchSettings(5, 1_000_000, Duration.ZERO, 10, 1),
				null)) {
			List<CompletableFuture<RowResult>> futures = new ArrayList<>();
			for (int i = 0; i < 100; i++) {
				futures.add(sink.submit(row("m" + i, 10), DEADLINE));
			}
			long overloaded = futures.stream()
				.filter(CompletableFuture::isDone)
				.filter((f) -> f.join().status() == RowResult.Status.OVERLOADED)
				.count();
			assertThat(overloaded).isGreaterThanOrEqualTo(100 - 10 - 5 - 5);
			release.countDown();
			CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
			assertThat(sink.submit(row("after", 10), DEADLINE).get(10, TimeUnit.SECONDS)).isEqualTo(RowResult.stored());
		}
	}

	@Test
	void answersRetryForRowsLeftAtShutdownAndForAFailingWriter() throws Exception {
		BatchWriter failing = new BatchWriter() {
			@Override
			public List<RowResult> write(List<EventRow> rows, Instant deadline) {
				throw new IllegalStateException("disk gone");
			}

			@Override
			public String name() {
				return "failing";
			}

			@Override
			public StoreHealth health() {
				return StoreHealth.down("disk gone", Map.of("path", "/data"));
			}
		};
		BatchingSink sink = new BatchingSink(failing, new BatchSettings(10, 1_000_000, Duration.ZERO, 100, 1), null);
		assertThat(sink.submit(row("m1", 10), DEADLINE).get(10, TimeUnit.SECONDS).status())
			.isEqualTo(RowResult.Status.RETRY);
		sink.shutdown(Duration.ofSeconds(1));
		assertThat(sink.submit(row("m2", 10), DEADLINE).get().reason()).isEqualTo("shutting_down");
	}

	@Test
	void shutdownAnswersRowsOfAHangingWriteAndRowsBehindItWithinItsTimeout() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		// Blocks like a socket read: an interrupt does not end it, only the release does.
		RecordingWriter hanging = new RecordingWriter(release) {
			@Override
			public List<RowResult> write(List<EventRow> rows, Instant deadline) {
				this.batches.add(rows.stream().map(EventRow::messageId).toList());
				boolean interrupted = false;
				while (this.release.getCount() > 0) {
					try {
						this.release.await();
					}
					catch (InterruptedException ex) {
						interrupted = true;
					}
				}
				if (interrupted) {
					Thread.currentThread().interrupt();
				}
				return rows.stream().map((r) -> RowResult.stored()).toList();
			}
		};
		// A batch goes out only when full: the first five rows are one batch, the next
		// three wait behind it for the only writer.
		BatchingSink sink = new BatchingSink(hanging, new BatchSettings(5, 1_000_000, Duration.ofSeconds(30), 100, 1),
				null);
		try {
			List<CompletableFuture<RowResult>> futures = new ArrayList<>();
			for (int i = 0; i < 5; i++) {
				futures.add(sink.submit(row("full" + i, 10), DEADLINE));
			}
			long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			while (hanging.batches.isEmpty() && System.nanoTime() < until) {
				Thread.sleep(10);
			}
			assertThat(hanging.batches).as("the full batch is being written")
				.containsExactly(List.of("full0", "full1", "full2", "full3", "full4"));
			for (int i = 0; i < 3; i++) {
				futures.add(sink.submit(row("behind" + i, 10), DEADLINE));
			}

			long start = System.nanoTime();
			sink.shutdown(Duration.ofMillis(300));
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			long again = System.nanoTime();
			sink.close();
			Duration closeTook = Duration.ofNanos(System.nanoTime() - again);

			assertThat(futures).allSatisfy((future) -> {
				assertThat(future).isDone();
				assertThat(future.join().status()).isEqualTo(RowResult.Status.RETRY);
				assertThat(future.join().reason()).isEqualTo("shutting_down");
			});
			// The writer still hangs: neither call waited for it beyond the timeout.
			assertThat(release.getCount()).isEqualTo(1);
			assertThat(took).isLessThan(Duration.ofSeconds(3));
			assertThat(closeTook).isLessThan(Duration.ofSeconds(1));
		}
		finally {
			release.countDown();
		}
	}

	@Test
	void reportsTheHealthOfItsWriter() {
		StoreHealth down = StoreHealth.down("table pixel is missing", Map.of("table", "pixel"));
		BatchWriter writer = new BatchWriter() {
			@Override
			public List<RowResult> write(List<EventRow> rows, Instant deadline) {
				return List.of();
			}

			@Override
			public String name() {
				return "missing";
			}

			@Override
			public StoreHealth health() {
				return down;
			}
		};
		try (BatchingSink sink = new BatchingSink(writer, new BatchSettings(10, 1_000_000, Duration.ZERO, 100, 1),
				null)) {
			assertThat(sink.health()).isEqualTo(down);
		}
	}

	@Test
	void writesABatchOnceRowsStopComingWithoutWaitingOutTheDelay() throws Exception {
		RecordingWriter writer = new RecordingWriter(new CountDownLatch(0));
		try (BatchingSink sink = new BatchingSink(writer,
				new BatchSettings(100, 1_000_000, Duration.ofHours(1), 1000, 1, Duration.ofMillis(20)), null)) {
			CompletableFuture<RowResult> first = sink.submit(row("m1", 10), DEADLINE);
			CompletableFuture<RowResult> second = sink.submit(row("m2", 10), DEADLINE);
			assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(RowResult.stored());
			assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(RowResult.stored());
		}
	}

	@Test
	void rowsThatArriveWhileTheWriterIsBusyJoinTheWaitingBatch() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		RecordingWriter writer = new RecordingWriter(release, "a"::equals);
		List<List<String>> batches = writer.batches;
		try (BatchingSink sink = new BatchingSink(writer,
				new BatchSettings(100, 1_000_000, Duration.ZERO, 1000, 1, Duration.ZERO), null)) {
			List<CompletableFuture<RowResult>> futures = new ArrayList<>();
			futures.add(sink.submit(row("a", 10), DEADLINE));
			while (batches.isEmpty()) {
				Thread.sleep(1);
			}
			for (String id : List.of("b", "c", "d")) {
				futures.add(sink.submit(row(id, 10), DEADLINE));
			}
			release.countDown();
			CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
			assertThat(batches).containsExactly(List.of("a"), List.of("b", "c", "d"));
		}
	}

	@Test
	void underSustainedLoadAGapDoesNotEndTheBatch() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		RecordingWriter writer = new RecordingWriter(release, "a"::equals);
		List<List<String>> batches = writer.batches;
		try (BatchingSink sink = new BatchingSink(writer,
				new BatchSettings(4, 1_000_000, Duration.ofMillis(1500), 1000, 2, Duration.ofMillis(20)), null)) {
			List<CompletableFuture<RowResult>> futures = new ArrayList<>();
			futures.add(sink.submit(row("a", 10), DEADLINE));
			futures.add(sink.submit(row("b", 10), DEADLINE));
			// a and b (half of max-rows) are being written: c and d, 300 ms apart (far
			// more than max-idle), still go together.
			while (sink.pending() < 2 || batches.isEmpty()) {
				Thread.sleep(1);
			}
			futures.add(sink.submit(row("c", 10), DEADLINE));
			Thread.sleep(300);
			futures.add(sink.submit(row("d", 10), DEADLINE));
			CompletableFuture.allOf(futures.get(2), futures.get(3)).get(10, TimeUnit.SECONDS);
			release.countDown();
			CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
			assertThat(batches).containsExactly(List.of("a", "b"), List.of("c", "d"));
		}
	}

}
