package dev.pixelpipeline.bench;

import dev.pixelpipeline.support.MetricServiceStandIn;

/**
 * Runs the tests' Cloud Monitoring {@code MetricService} stand-in (plaintext gRPC on a
 * free loopback port) as a process, for {@code bench/startup.sh}'s gcp-profile modes:
 * prints {@code host:port} on its first line and serves until killed. The gcp profile
 * exports metrics to it, and its registry publishes once more on shutdown; against a
 * closed port that took 30 s per meter.
 */
public final class MetricServiceStandInServer {

	private MetricServiceStandInServer() {
	}

	public static void main(String[] args) throws InterruptedException {
		MetricServiceStandIn standIn = MetricServiceStandIn.start();
		System.out.println(standIn.hostPort());
		System.out.flush();
		Thread.currentThread().join();
	}

}
