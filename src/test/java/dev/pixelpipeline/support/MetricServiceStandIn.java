package dev.pixelpipeline.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.google.monitoring.v3.CreateMetricDescriptorRequest;
import com.google.monitoring.v3.CreateTimeSeriesRequest;
import com.google.monitoring.v3.ListMetricDescriptorsRequest;
import com.google.monitoring.v3.ListMetricDescriptorsResponse;
import com.google.monitoring.v3.MetricServiceGrpc;
import com.google.monitoring.v3.TimeSeries;
import com.google.protobuf.Empty;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

/**
 * A stand-in for Cloud Monitoring's {@code MetricService} (gRPC, plaintext, on a free
 * loopback port) for tests that run the real Stackdriver registry against it: it records
 * every {@code CreateTimeSeries} and {@code CreateMetricDescriptor} request and answers
 * them as the API does, and lists no existing descriptors. Other calls answer
 * {@code UNIMPLEMENTED}.
 */
public final class MetricServiceStandIn implements AutoCloseable {

	private final List<CreateTimeSeriesRequest> timeSeriesRequests = new CopyOnWriteArrayList<>();

	private final List<CreateMetricDescriptorRequest> descriptorRequests = new CopyOnWriteArrayList<>();

	private final Server server;

	private MetricServiceStandIn() {
		this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
			.addService(new Service())
			.build();
		try {
			this.server.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start the MetricService stand-in", ex);
		}
	}

	/** Starts a stand-in on a free loopback port. */
	public static MetricServiceStandIn start() {
		return new MetricServiceStandIn();
	}

	/** {@code 127.0.0.1:port}, the value of {@code pipeline.metrics.monitoring-host}. */
	public String hostPort() {
		return "127.0.0.1:" + this.server.getPort();
	}

	/** Every {@code CreateTimeSeries} request so far, in order. */
	public List<CreateTimeSeriesRequest> timeSeriesRequests() {
		return List.copyOf(this.timeSeriesRequests);
	}

	/** Every {@code CreateMetricDescriptor} request so far, in order. */
	public List<CreateMetricDescriptorRequest> descriptorRequests() {
		return List.copyOf(this.descriptorRequests);
	}

	/** Every time series written so far. */
	public List<TimeSeries> timeSeries() {
		return this.timeSeriesRequests.stream().flatMap((request) -> request.getTimeSeriesList().stream()).toList();
	}

	/** The distinct metric types of the time series written so far. */
	public Set<String> metricTypes() {
		Set<String> types = new TreeSet<>();
		timeSeries().forEach((series) -> types.add(series.getMetric().getType()));
		return types;
	}

	@Override
	public void close() {
		this.server.shutdownNow();
		try {
			this.server.awaitTermination(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private final class Service extends MetricServiceGrpc.MetricServiceImplBase {

		@Override
		public void createTimeSeries(CreateTimeSeriesRequest request, StreamObserver<Empty> answer) {
			MetricServiceStandIn.this.timeSeriesRequests.add(request);
			answer.onNext(Empty.getDefaultInstance());
			answer.onCompleted();
		}

		@Override
		public void createMetricDescriptor(CreateMetricDescriptorRequest request,
				StreamObserver<com.google.api.MetricDescriptor> answer) {
			MetricServiceStandIn.this.descriptorRequests.add(request);
			answer.onNext(request.getMetricDescriptor());
			answer.onCompleted();
		}

		@Override
		public void listMetricDescriptors(ListMetricDescriptorsRequest request,
				StreamObserver<ListMetricDescriptorsResponse> answer) {
			answer.onNext(ListMetricDescriptorsResponse.getDefaultInstance());
			answer.onCompleted();
		}

	}

}
