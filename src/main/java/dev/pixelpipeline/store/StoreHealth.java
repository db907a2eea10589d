package dev.pixelpipeline.store;

import java.util.Map;

/**
 * What a store says about itself for readiness: up, or down with words that say what is
 * wrong and what to do about it.
 *
 * @param up whether the store can take writes
 * @param message what is wrong when down; when up, a short note for the start-up log (or
 * {@code null})
 * @param details what the health endpoint shows beside the status, such as the table or
 * file the store writes to
 */
public record StoreHealth(boolean up, String message, Map<String, String> details) {

	public StoreHealth {
		details = Map.copyOf(details);
	}

	/** The store works. */
	public static StoreHealth up(String message, Map<String, String> details) {
		return new StoreHealth(true, message, details);
	}

	/** The store does not work, and the message says why. */
	public static StoreHealth down(String message, Map<String, String> details) {
		return new StoreHealth(false, message, details);
	}

}
