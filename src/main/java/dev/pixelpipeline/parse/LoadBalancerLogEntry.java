package dev.pixelpipeline.parse;

/**
 * The fields of a Cloud Logging {@code LogEntry} for an HTTP(S) load balancer request
 * that the pipeline reads.
 *
 * <p>
 * Every field may be {@code null}: log entries come from outside and are checked by
 * {@link HitParser}.
 *
 * @param insertId the log entry's unique id: the key of its row, which survives
 * redeliveries, dead-lettering and replays
 * @param timestamp the RFC 3339 time of the request as logged
 * @param requestMethod {@code httpRequest.requestMethod}
 * @param requestUrl {@code httpRequest.requestUrl}, absolute or path-only
 * @param status {@code httpRequest.status}
 * @param userAgent {@code httpRequest.userAgent}
 * @param remoteIp {@code httpRequest.remoteIp}, possibly with {@code :port} or as
 * {@code [v6]:port}
 * @param referer {@code httpRequest.referer}
 * @param hasHttpRequest whether the entry had an {@code httpRequest} object at all
 */
public record LoadBalancerLogEntry(String insertId, String timestamp, String requestMethod, String requestUrl,
		Integer status, String userAgent, String remoteIp, String referer, boolean hasHttpRequest) {
}
