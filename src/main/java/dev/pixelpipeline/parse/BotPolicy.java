package dev.pixelpipeline.parse;

/** What happens to a hit whose user agent is a robot. */
public enum BotPolicy {

	/** Stored, with {@code is_bot} true. */
	TAG,
	/** Acked and counted as ignored with reason {@code bot}; not stored. */
	DROP,
	/** Stored without classification: {@code is_bot} stays empty, no pattern is tried. */
	KEEP

}
