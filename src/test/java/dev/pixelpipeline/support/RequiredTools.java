package dev.pixelpipeline.support;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that decides what a test does when a tool it needs from the machine
 * (Google's Pub/Sub emulator, Chromium and chromedriver, shellcheck) is missing.
 *
 * <p>
 * With the environment variable {@value #VARIABLE} set to {@code true} (as
 * {@code .ci/run} does) a missing tool fails the test, saying what to install: CI never
 * passes without the proof. Otherwise (a laptop) the test is skipped, and the reason is
 * logged once per tool and JVM, not once per test.
 */
public final class RequiredTools {

	/** Set to {@code true} to make a missing tool fail the tests that need it. */
	public static final String VARIABLE = "PIXEL_PIPELINE_REQUIRE_TOOLS";

	private static final Logger logger = LoggerFactory.getLogger(RequiredTools.class);

	private static final RequiredTools CURRENT = new RequiredTools(Boolean.parseBoolean(System.getenv(VARIABLE)),
			logger::warn);

	private final boolean required;

	private final Consumer<String> report;

	private final Set<String> reported = ConcurrentHashMap.newKeySet();

	RequiredTools(boolean required, Consumer<String> report) {
		this.required = required;
		this.report = report;
	}

	/** The policy of this JVM, from {@value #VARIABLE}. */
	public static RequiredTools current() {
		return CURRENT;
	}

	/** Whether a missing tool fails the test (rather than skipping it). */
	public boolean required() {
		return this.required;
	}

	/**
	 * Does nothing when the tool is present; otherwise fails the calling test (tools
	 * required) or skips it (not required), logging the reason the first time.
	 * @param present whether the tool was found
	 * @param tool the tool's name, such as {@code shellcheck}
	 * @param missing what was looked for and not found
	 * @param install how to install it
	 */
	public void check(boolean present, String tool, String missing, String install) {
		if (!present) {
			missing(tool, missing, install);
		}
	}

	/**
	 * Fails the calling test (tools required) or skips it (not required), logging the
	 * reason the first time; never returns.
	 * @param tool the tool's name, such as {@code shellcheck}
	 * @param missing what was looked for and not found
	 * @param install how to install it
	 */
	public void missing(String tool, String missing, String install) {
		if (this.required) {
			Assertions.fail(
					tool + " is required (" + VARIABLE + "=true) but missing: " + missing + ". Install it: " + install);
		}
		String reason = tool + " is missing (" + missing + "): the tests that need it are skipped. Install it: "
				+ install + "; set " + VARIABLE + "=true to make its absence fail them";
		if (this.reported.add(tool)) {
			this.report.accept(reason);
		}
		Assumptions.abort(reason);
	}

}
