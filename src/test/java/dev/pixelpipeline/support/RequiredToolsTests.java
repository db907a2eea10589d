package dev.pixelpipeline.support;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A missing tool fails the test where tools are required (CI) and skips it elsewhere,
 * reporting the reason once. JUnit Jupiter reports a {@link TestAbortedException} as
 * skipped and an {@link AssertionFailedError} as failed.
 */
class RequiredToolsTests {

	private final List<String> reports = new ArrayList<>();

	@Test
	void requiredAndMissingFailsSayingWhatToInstall() {
		RequiredTools tools = new RequiredTools(true, this.reports::add);

		Throwable thrown = catchThrowable(
				() -> tools.check(false, "shellcheck", "not on the PATH", "apt-get install shellcheck"));

		assertThat(thrown).isInstanceOf(AssertionFailedError.class)
			.hasMessageContaining("shellcheck is required (PIXEL_PIPELINE_REQUIRE_TOOLS=true)")
			.hasMessageContaining("not on the PATH")
			.hasMessageContaining("apt-get install shellcheck");
	}

	@Test
	void notRequiredAndMissingSkipsAndReportsTheReasonOncePerTool() {
		RequiredTools tools = new RequiredTools(false, this.reports::add);

		Throwable first = catchThrowable(
				() -> tools.check(false, "shellcheck", "not on the PATH", "apt-get install shellcheck"));
		Throwable second = catchThrowable(
				() -> tools.check(false, "shellcheck", "not on the PATH", "apt-get install shellcheck"));
		Throwable other = catchThrowable(() -> tools.missing("chromedriver", "no /usr/bin/chromedriver",
				"apt-get install chromium chromium-driver"));

		assertThat(first).isInstanceOf(TestAbortedException.class)
			.hasMessageContaining("shellcheck is missing (not on the PATH)")
			.hasMessageContaining("apt-get install shellcheck")
			.hasMessageContaining("PIXEL_PIPELINE_REQUIRE_TOOLS=true");
		assertThat(second).isInstanceOf(TestAbortedException.class).hasMessage(first.getMessage());
		assertThat(other).isInstanceOf(TestAbortedException.class);
		assertThat(this.reports).hasSize(2);
		assertThat(this.reports.get(0)).isEqualTo(first.getMessage());
		assertThat(this.reports.get(1)).startsWith("chromedriver is missing");
	}

	@Test
	void aPresentToolNeitherFailsNorSkips() {
		RequiredTools required = new RequiredTools(true, this.reports::add);
		RequiredTools optional = new RequiredTools(false, this.reports::add);

		assertThatNoException().isThrownBy(() -> required.check(true, "shellcheck", "-", "-"));
		assertThatNoException().isThrownBy(() -> optional.check(true, "shellcheck", "-", "-"));
		assertThat(this.reports).isEmpty();
	}

}
