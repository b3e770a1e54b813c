package io.nexusmesh.gateway.panel;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The traffic gateway's view of where panels' sidecars are: an EDS subscription, over ADS to the
 * control plane's xDS server, to {@code panel.NAME} for each panel a caller asked for, ACKing each
 * version. It is the snapshot grpc-java's xDS client reads for {@code xds:///panel.NAME}, so the UI
 * and the tools of a panel always go to the same instance. Written here because grpc-java's xDS
 * client is internal and its Envoy protos are shaded: it resolves gRPC channels, never hands out
 * addresses. On a broken stream it re-subscribes after a second and keeps the last endpoints
 * meanwhile.
 */
public final class PanelEndpoints implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PanelEndpoints.class);
  private static final String EDS =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

  private final AggregatedDiscoveryServiceStub ads;
  private final Node node;
  private final ScheduledExecutorService retries =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("nexus-panel-endpoints").daemon().factory());
  private final Map<String, List<Endpoint>> endpoints = new ConcurrentHashMap<>();
  private final Set<String> names = new TreeSet<>();
  private @Nullable StreamObserver<DiscoveryRequest> stream;
  private String version = "";
  private String nonce = "";
  private volatile boolean closed;

  /**
   * @param xdsServer the xDS server, {@code host:port}
   * @param token the credential to subscribe with, asked at each new stream
   */
  public PanelEndpoints(String xdsServer, String nodeId, Supplier<String> token) {
    requireNonNull(token, "token");
    this.ads =
        GrpcClients.builder("http://" + xdsServer)
            .decorator(
                (delegate, ctx, req) -> {
                  ctx.addAdditionalRequestHeader(
                      com.linecorp.armeria.common.HttpHeaderNames.AUTHORIZATION,
                      "Bearer " + token.get());
                  return delegate.execute(ctx, req);
                })
            .responseTimeoutMillis(0)
            .maxResponseLength(0)
            .build(AggregatedDiscoveryServiceStub.class);
    this.node = Node.newBuilder().setId(requireNonNull(nodeId, "nodeId")).build();
  }

  /**
   * A healthy endpoint of {@code panel}'s sidecar; subscribes on first use and waits up to {@code
   * wait} for the first answer. Empty when the panel has none.
   */
  public Optional<Endpoint> endpoint(String panel, Duration wait) {
    String name = "panel." + panel;
    boolean added;
    synchronized (this) {
      added = names.add(name);
      if (added) {
        send();
      }
    }
    long deadline = System.nanoTime() + wait.toNanos();
    while (!endpoints.containsKey(name) && System.nanoTime() < deadline && added) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    List<Endpoint> healthy = endpoints.getOrDefault(name, List.of());
    return healthy.isEmpty()
        ? Optional.empty()
        : Optional.of(healthy.get(ThreadLocalRandom.current().nextInt(healthy.size())));
  }

  /** Sends the subscription (all names, the last version ACKed); opens a stream if none. */
  private synchronized void send() {
    if (closed) {
      return;
    }
    if (stream == null) {
      version = "";
      nonce = "";
      stream = ads.streamAggregatedResources(new Responses());
    }
    stream.onNext(
        DiscoveryRequest.newBuilder()
            .setNode(node)
            .setTypeUrl(EDS)
            .addAllResourceNames(names)
            .setVersionInfo(version)
            .setResponseNonce(nonce)
            .build());
  }

  private synchronized void accepted(DiscoveryResponse response) {
    for (var any : response.getResourcesList()) {
      try {
        ClusterLoadAssignment assignment = any.unpack(ClusterLoadAssignment.class);
        endpoints.put(
            assignment.getClusterName(),
            assignment.getEndpointsList().stream()
                .flatMap(locality -> locality.getLbEndpointsList().stream())
                .filter(
                    e ->
                        e.getHealthStatus() == HealthStatus.HEALTHY
                            || e.getHealthStatus() == HealthStatus.UNKNOWN)
                .map(e -> e.getEndpoint().getAddress().getSocketAddress())
                .map(a -> Endpoint.of(a.getAddress(), a.getPortValue()))
                .toList());
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        log.warn("an EDS resource did not parse: {}", e.getMessage());
      }
    }
    version = response.getVersionInfo();
    nonce = response.getNonce();
    send(); // the ACK
  }

  private synchronized void broken(Throwable t) {
    stream = null;
    if (!closed) {
      log.warn("the panel endpoint subscription broke ({}); retrying in 1 s", t.toString());
      retries.schedule(this::send, 1, TimeUnit.SECONDS);
    }
  }

  private final class Responses implements StreamObserver<DiscoveryResponse> {
    @Override
    public void onNext(DiscoveryResponse response) {
      accepted(response);
    }

    @Override
    public void onError(Throwable t) {
      broken(t);
    }

    @Override
    public void onCompleted() {
      broken(new IllegalStateException("the xDS server ended the stream"));
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    retries.shutdownNow();
    if (stream != null) {
      stream.onCompleted();
      stream = null;
    }
  }
}
