package io.nexusmesh.bench;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.controlplane.xds.MeshResources;
import io.nexusmesh.controlplane.xds.MeshSnapshots;
import io.nexusmesh.controlplane.xds.MeshState;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The xDS server's push: how long a snapshot of an organisation with N gateway endpoints takes to
 * build ({@link MeshSnapshots}, the pure function the control plane runs on every change), and how
 * long from a change (build and publish included) until each of 10 subscribed ADS clients has
 * decoded the new endpoints and acknowledged them, with 1,000 and 10,000 endpoints. The baseline,
 * measured in the same run, is the same with one endpoint: the ratios are what size costs.
 *
 * <p>The clients are raw ADS streams over gRPC (what grpc-java's xDS client and Envoy open), each
 * subscribed to the {@code gateways} cluster's endpoints and ACKing every response; the server is
 * java-control-plane's, as in the control plane, without the credential check.
 */
public final class XdsBenchmark {
  private static final int CLIENTS = 10;
  private static final String GROUP = "MESH:bench";
  private static final String EDS =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

  private XdsBenchmark() {}

  public static void main(String[] args) throws Exception {
    int changes = Integer.getInteger("bench.changes", 20);
    SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new V3DiscoveryServer(cache).getAggregatedDiscoveryServiceImpl())
            .maxInboundMessageSize(64 * 1024 * 1024)
            .build()
            .start();
    List<Client> clients = new ArrayList<>();
    try {
      cache.setSnapshot(GROUP, snapshot(1, 0));
      for (int i = 0; i < CLIENTS; i++) {
        clients.add(new Client(server.getPort(), "bench-" + i));
      }
      System.out.printf("xDS push to %d ADS clients, %d changes per size%n", CLIENTS, changes);
      Result baseline = measure(cache, clients, 1, changes);
      print("baseline: 1 endpoint", baseline, baseline);
      for (int size : new int[] {1_000, 10_000}) {
        print(
            String.format("%,d endpoints", size), measure(cache, clients, size, changes), baseline);
      }
    } finally {
      clients.forEach(Client::close);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private record Result(double buildP50Ms, double pushP50Ms, double pushP99Ms) {}

  private static void print(String name, Result result, Result baseline) {
    System.out.printf(
        "%-22s build p50 %8.2f ms (x%.1f)   change-to-all-%d p50 %8.2f ms (x%.1f)  p99 %8.2f ms%n",
        name,
        result.buildP50Ms(),
        result.buildP50Ms() / baseline.buildP50Ms(),
        CLIENTS,
        result.pushP50Ms(),
        result.pushP50Ms() / baseline.pushP50Ms(),
        result.pushP99Ms());
  }

  private static Result measure(SimpleCache<String> cache, List<Client> clients, int size, int n)
      throws Exception {
    // Warm up: one change at this size, not counted.
    push(cache, clients, size, -1);
    double[] builds = new double[n];
    double[] pushes = new double[n];
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      snapshot(size, i); // the build alone
      builds[i] = (System.nanoTime() - start) / 1e6;
      pushes[i] = push(cache, clients, size, i);
    }
    Arrays.sort(builds);
    Arrays.sort(pushes);
    return new Result(builds[n / 2], pushes[n / 2], pushes[Math.min(n - 1, (int) (n * 0.99))]);
  }

  /** Publishes change {@code change} and waits until every client has it: milliseconds taken. */
  private static double push(SimpleCache<String> cache, List<Client> clients, int size, int change)
      throws Exception {
    int marker = markerPort(change);
    CountDownLatch all = new CountDownLatch(clients.size());
    clients.forEach(c -> c.expect(marker, all));
    long start = System.nanoTime();
    cache.setSnapshot(GROUP, snapshot(size, change));
    if (!all.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("not every client got change " + change);
    }
    return (System.nanoTime() - start) / 1e6;
  }

  /** The port of the first endpoint, which each change moves so that clients can tell it. */
  private static int markerPort(int change) {
    return 20_000 + change + 1;
  }

  private static Snapshot snapshot(int size, int change) {
    List<MeshState.GatewayUpstream> gateways = new ArrayList<>(size);
    gateways.add(
        new MeshState.GatewayUpstream(
            "gw-0",
            Environment.ENVIRONMENT_DEV,
            new MeshState.Upstream("10.0.0.0", markerPort(change), true)));
    for (int i = 1; i < size; i++) {
      gateways.add(
          new MeshState.GatewayUpstream(
              "gw-" + i,
              Environment.ENVIRONMENT_DEV,
              new MeshState.Upstream(
                  "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), 9090, true)));
    }
    return MeshSnapshots.build(
        new MeshState.OrgMesh(gateways, Map.of()),
        MeshSnapshots.View.MESH,
        new MeshSnapshots.Edge("control-plane", 8080));
  }

  /** One subscriber: an ADS stream asking for the gateways' endpoints, ACKing what it gets. */
  private static final class Client implements StreamObserver<DiscoveryResponse> {
    private final ManagedChannel channel;
    private final StreamObserver<DiscoveryRequest> requests;
    private final Node node;
    private final AtomicReference<Expectation> expected = new AtomicReference<>();

    private record Expectation(int markerPort, CountDownLatch done) {}

    Client(int port, String id) {
      channel =
          NettyChannelBuilder.forAddress("127.0.0.1", port)
              .usePlaintext()
              .maxInboundMessageSize(64 * 1024 * 1024)
              .build();
      node = Node.newBuilder().setId(id).build();
      requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(this);
      synchronized (requests) {
        requests.onNext(
            DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(EDS)
                .addResourceNames(MeshResources.GATEWAYS)
                .build());
      }
    }

    void expect(int markerPort, CountDownLatch done) {
      expected.set(new Expectation(markerPort, done));
    }

    @Override
    public void onNext(DiscoveryResponse response) {
      int first = -1;
      try {
        for (var any : response.getResourcesList()) {
          ClusterLoadAssignment assignment = any.unpack(ClusterLoadAssignment.class);
          var endpoints = assignment.getEndpoints(0).getLbEndpointsList();
          // Sorted by address: 10.0.0.0, the marker, comes first.
          first = endpoints.get(0).getEndpoint().getAddress().getSocketAddress().getPortValue();
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      synchronized (requests) {
        requests.onNext(
            DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(EDS)
                .addResourceNames(MeshResources.GATEWAYS)
                .setVersionInfo(response.getVersionInfo())
                .setResponseNonce(response.getNonce())
                .build());
      }
      Expectation e = expected.get();
      if (e != null && first == e.markerPort() && expected.compareAndSet(e, null)) {
        e.done().countDown();
      }
    }

    @Override
    public void onError(Throwable t) {
      System.err.println("ADS client failed: " + t);
    }

    @Override
    public void onCompleted() {}

    void close() {
      channel.shutdownNow();
    }
  }
}
