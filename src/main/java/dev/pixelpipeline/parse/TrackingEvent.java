package dev.pixelpipeline.parse;

import java.time.Instant;
import java.util.Map;

/**
 * One pixel hit, parsed from a load balancer log entry: the whitelisted query parameters
 * plus request facts.
 *
 * @param messageId the key that deduplicates redeliveries and replays: the LogEntry's
 * {@code insertId}, else the Pub/Sub message id (see {@link HitParser#messageId})
 * @param attributes the whitelisted query parameters present in the URL, in whitelist
 * order; absent ones are missing from the map, present-but-empty ones map to {@code ""}
 * @param eventTime when the hit happened (UTC instant)
 * @param userAgent the browser's user agent, or {@code null}
 * @param remoteIp the client IP without port, anonymised when configured, or {@code null}
 * @param referer the referring page, or {@code null}
 * @param status the HTTP status the load balancer answered, or {@code null}
 * @param agent what the user agent says (device, agent, OS, bot), or {@code null} when
 * enrichment is off
 * @param refererHost the referer's host, or {@code null}
 */
public record TrackingEvent(String messageId, Map<String, String> attributes, Instant eventTime, String userAgent,
		String remoteIp, String referer, Integer status, UserAgentFacts agent, String refererHost) {

	/** A hit without enrichment. */
	public TrackingEvent(String messageId, Map<String, String> attributes, Instant eventTime, String userAgent,
			String remoteIp, String referer, Integer status) {
		this(messageId, attributes, eventTime, userAgent, remoteIp, referer, status, null, RefererHost.of(referer));
	}

	/** Whether the hit was classified as a robot ({@code null}: not classified). */
	public Boolean bot() {
		return (this.agent != null) ? this.agent.bot() : null;
	}

}
