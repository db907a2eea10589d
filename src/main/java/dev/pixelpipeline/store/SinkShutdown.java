package dev.pixelpipeline.store;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Stops the batching sinks at the right moment of a shutdown (SIGTERM on Cloud Run).
 *
 * <p>
 * Lifecycle phases stop from the highest down. The web server's graceful shutdown
 * ({@link WebServerApplicationContext#GRACEFUL_SHUTDOWN_PHASE}) stops taking pushes and
 * waits up to {@code spring.lifecycle.timeout-per-shutdown-phase} for those in flight;
 * the web server itself stops in a lower phase and closes the connections. This bean's
 * phase lies between the two: the sinks write what is waiting within the flush timeout
 * and answer anything left as a retry, which the pushes still connected turn into 503, so
 * that no push is acked for a row that was not written.
 */
public class SinkShutdown implements SmartLifecycle, ApplicationListener<ContextClosedEvent> {

	/** After the graceful shutdown of the web server, before the web server stops. */
	public static final int PHASE = WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE - 512;

	private static final Logger logger = LoggerFactory.getLogger(SinkShutdown.class);

	private final ObjectProvider<BatchingSink> sinks;

	private final Duration flushTimeout;

	private volatile boolean running;

	private volatile boolean closing;

	public SinkShutdown(ObjectProvider<BatchingSink> sinks, Duration flushTimeout) {
		this.sinks = sinks;
		this.flushTimeout = flushTimeout;
	}

	@Override
	public void start() {
		this.running = true;
	}

	/** The context is closing: the stop that follows is for good, not a pause. */
	@Override
	public void onApplicationEvent(ContextClosedEvent event) {
		this.closing = true;
	}

	@Override
	public void stop() {
		this.running = false;
		if (!this.closing) {
			// A paused context (as the test framework pauses cached ones) starts again
			// with its sinks.
			return;
		}
		this.sinks.orderedStream().forEach((sink) -> {
			logger.info("Flushing the {} sink ({} rows pending) within {}", sink.name(), sink.pending(),
					this.flushTimeout);
			sink.shutdown(this.flushTimeout);
		});
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
