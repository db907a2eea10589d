package dev.pixelpipeline.config;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import dev.pixelpipeline.store.StoreHealth;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;

/** The one health indicator of every store: what it shows, and that it never hangs. */
class StoreHealthIndicatorTests {

	@Test
	void upShowsTheStoresDetails() {
		StoreHealthIndicator indicator = new StoreHealthIndicator("Test store",
				() -> StoreHealth.up("ready", Map.of("path", "/data/pixel.duckdb")), Duration.ofSeconds(5));
		try {
			Health health = indicator.health(true);
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsEntry("path", "/data/pixel.duckdb").doesNotContainKey("error");
		}
		finally {
			indicator.close();
		}
	}

	@Test
	void downSaysWhatIsWrongInWords() {
		StoreHealthIndicator indicator = new StoreHealthIndicator("Test store",
				() -> StoreHealth.down("table t does not exist; create it", Map.of("table", "t")),
				Duration.ofSeconds(5));
		try {
			Health health = indicator.health(true);
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails()).containsEntry("error", "table t does not exist; create it")
				.containsEntry("table", "t");
		}
		finally {
			indicator.close();
		}
	}

	@Test
	void aCheckThatHangsIsDownWithinTheTimeout() {
		CountDownLatch never = new CountDownLatch(1);
		StoreHealthIndicator indicator = new StoreHealthIndicator("Test store", () -> {
			never.await();
			return StoreHealth.up(null, Map.of());
		}, Duration.ofMillis(100));
		try {
			Health health = indicator.health(true);
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails()).containsEntry("error", "Test store did not answer within PT0.1S");
		}
		finally {
			indicator.close();
		}
	}

	@Test
	void aCheckThatThrowsIsDownWithItsMessage() {
		StoreHealthIndicator indicator = new StoreHealthIndicator("Test store", () -> {
			throw new IllegalStateException("connection refused");
		}, Duration.ofSeconds(5));
		try {
			Health health = indicator.health(true);
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails()).containsEntry("error", "Test store check failed: connection refused");
		}
		finally {
			indicator.close();
		}
	}

	@Test
	void anInterruptedRequestIsDownAndKeepsItsInterruptFlag() {
		StoreHealthIndicator indicator = new StoreHealthIndicator("Test store", () -> {
			new CountDownLatch(1).await();
			return StoreHealth.up(null, Map.of());
		}, Duration.ofSeconds(5));
		try {
			Thread.currentThread().interrupt();
			Health health = indicator.health(true);
			assertThat(Thread.interrupted()).isTrue();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails()).containsEntry("error", "interrupted while asking Test store");
		}
		finally {
			indicator.close();
		}
	}

}
