package io.nexusmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.nexusmesh.api.controlplane.v1.CreatePanelRequest;
import io.nexusmesh.api.controlplane.v1.DeletePanelRequest;
import io.nexusmesh.api.controlplane.v1.IssuePanelCredentialRequest;
import io.nexusmesh.api.controlplane.v1.ListXdsClientsRequest;
import io.nexusmesh.api.controlplane.v1.MeshServiceGrpc;
import io.nexusmesh.api.controlplane.v1.PanelServiceGrpc;
import io.nexusmesh.api.controlplane.v1.ReportPanelInstanceRequest;
import io.nexusmesh.api.sidecar.v1.ManifestState;
import io.nexusmesh.controlplane.xds.XdsServer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The control plane's xDS server as grpc-java's own xDS client sees it ({@code xds:///} channels,
 * bootstrap from {@link XdsTestBootstrap}): a panel's calls follow it to a new endpoint with no
 * failed call, a deleted panel stops resolving, a control-plane restart does not blackhole traffic,
 * a refused resource shows in ListXdsClients, and only credentials that may subscribe do.
 */
@org.junit.jupiter.api.extension.ExtendWith(io.nexusmesh.testing.RedisExtension.class)
class XdsRoutingTest {
  private static final String ORG = "acme";

  private final XdsTestBootstrap bootstrap = XdsTestBootstrap.get();
  private ControlPlaneHarness cp;

  @BeforeEach
  void start() throws Exception {
    cp = ControlPlaneHarness.start(bootstrap.properties());
    assertThat(cp.context.getBean(XdsServer.class).port()).isEqualTo(bootstrap.port);
  }

  @AfterEach
  void stop() throws Exception {
    if (cp != null) {
      cp.close();
    }
  }

  private PanelServiceGrpc.PanelServiceBlockingStub panels(String token) {
    return cp.as(PanelServiceGrpc.newBlockingStub(cp.channel), token);
  }

  private String admin() {
    return cp.token("alice", ORG, "admin");
  }

  /** Creates panel {@code name} and returns its sidecar credential. */
  private String createPanel(String name) {
    panels(admin()).createPanel(CreatePanelRequest.newBuilder().setName(name).build());
    return panels(admin())
        .issuePanelCredential(IssuePanelCredentialRequest.newBuilder().setName(name).build())
        .getCredential();
  }

  /** Reports a new instance of the panel listening on {@code port}, as its sidecar would. */
  private void reportInstance(String credential, int port) {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    panels(credential)
        .reportPanelInstance(
            ReportPanelInstanceRequest.newBuilder()
                .setInstance(UUID.randomUUID().toString().replace("-", ""))
                .setEndpoint("127.0.0.1:" + port)
                .setManifestState(ManifestState.MANIFEST_STATE_READY)
                .setInvokeKey(ByteString.copyFrom(key))
                .build());
  }

  private static ManagedChannel xds(String name) {
    return Grpc.newChannelBuilder("xds:///" + name, InsecureChannelCredentials.create()).build();
  }

  /** Waits until {@code channel} resolves and answers (its first xDS answers may take a moment). */
  private static void awaitServing(ManagedChannel channel) {
    await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .until(
            () -> {
              check(channel);
              return true;
            });
  }

  private static void check(ManagedChannel channel) {
    HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance());
  }

  /** How many ListExecutions calls a gateway served, from its Prometheus metrics. */
  private static double listCalls(io.nexusmesh.gateway.Gateway gateway) {
    String metrics =
        com.linecorp.armeria.client.WebClient.of("http://127.0.0.1:" + gateway.port())
            .blocking()
            .get("/metrics")
            .contentUtf8();
    return metrics
        .lines()
        .filter(l -> l.startsWith("nexus_requests_total") && l.contains("ListExecutions"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  @Test
  void theSdkReachesTheGatewayFleetThroughAnXdsName(io.nexusmesh.testing.RedisEndpoint redis)
      throws Exception {
    // A developer subscribes (a management token for xDS); calls carry a data-plane token.
    bootstrap.subscribeAs(cp.token("dev", ORG, "developer"));
    try (var a = cp.startGateway(redis, ORG, "gw-a", "dev", true);
        var b = cp.startGateway(redis, ORG, "gw-b", "dev", true);
        var client =
            io.nexusmesh.client.NexusClient.builder()
                .gateway("xds:///gateways.dev")
                .token(
                    cp.issuer.mint(
                        io.nexusmesh.runtime.auth.DevTokenIssuer.TokenRequest.user(
                            "dev", ORG, io.nexusmesh.runtime.auth.Audiences.GATEWAY, "developer")))
                .build()) {
      await().atMost(Duration.ofSeconds(20)).until(() -> a.registered() && b.registered());
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(
              () -> {
                client
                    .executions()
                    .list(
                        "",
                        io.nexusmesh.api.gateway.v1.ExecutionStatus.EXECUTION_STATUS_UNSPECIFIED,
                        1);
                return listCalls(a) > 0 && listCalls(b) > 0;
              });
      // Round robin: both gateways keep taking calls.
      double before = listCalls(a) + listCalls(b);
      for (int i = 0; i < 20; i++) {
        client
            .executions()
            .list("", io.nexusmesh.api.gateway.v1.ExecutionStatus.EXECUTION_STATUS_UNSPECIFIED, 1);
      }
      assertThat(listCalls(a) + listCalls(b) - before).isEqualTo(20);
      assertThat(listCalls(a)).isGreaterThan(5);
      assertThat(listCalls(b)).isGreaterThan(5);
    }
  }

  @Test
  void callsFollowAPanelToItsNewEndpointAndStopWhenItIsDeleted() throws Exception {
    bootstrap.subscribeAs(cp.gatewayToken(ORG, "gw-1"));
    String credential = createPanel("tools");
    try (var first = new HealthServers();
        var second = new HealthServers()) {
      reportInstance(credential, first.port());
      ManagedChannel channel = xds("panel.tools");
      try {
        awaitServing(channel);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger failures = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CompletableFuture<Void> caller =
            CompletableFuture.runAsync(
                () -> {
                  while (running.get()) {
                    try {
                      check(channel);
                    } catch (StatusRuntimeException e) {
                      failures.incrementAndGet();
                      failure.set(e);
                    }
                  }
                });
        reportInstance(credential, second.port()); // the panel restarted elsewhere
        await().atMost(Duration.ofSeconds(10)).until(() -> second.served() > 10);
        first.close(); // the old instance is gone only once traffic has moved
        int afterMove = second.served();
        await().atMost(Duration.ofSeconds(10)).until(() -> second.served() > afterMove + 10);
        running.set(false);
        caller.join();
        assertThat(failures.get()).as("failed calls, the last: %s", failure.get()).isZero();

        panels(admin()).deletePanel(DeletePanelRequest.newBuilder().setName("tools").build());
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(
                () -> {
                  try {
                    check(channel);
                    throw new AssertionError("panel.tools still resolves");
                  } catch (StatusRuntimeException e) {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                  }
                });
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void clientsKeepTheirLastSnapshotWhileTheControlPlaneRestarts() throws Exception {
    bootstrap.subscribeAs(cp.gatewayToken(ORG, "gw-1"));
    String credential = createPanel("steady");
    try (var upstream = new HealthServers()) {
      reportInstance(credential, upstream.port());
      ManagedChannel channel = xds("panel.steady");
      try {
        awaitServing(channel);
        var home = cp.home;
        cp.close();
        cp = null;
        // The control plane is down: calls go on to the endpoint the client already holds.
        for (int i = 0; i < 20; i++) {
          check(channel);
        }
        cp = ControlPlaneHarness.startIn(home, bootstrap.properties());
        // The dev issuer may have a new key: the client's next stream presents a fresh token.
        bootstrap.subscribeAs(cp.gatewayToken(ORG, "gw-1"));
        for (int i = 0; i < 20; i++) {
          check(channel);
        }
        // grpc-java re-subscribes (with backoff) and keeps serving meanwhile.
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    cp
                        .as(MeshServiceGrpc.newBlockingStub(cp.channel), admin())
                        .listXdsClients(ListXdsClientsRequest.getDefaultInstance())
                        .getClientsList()
                        .stream()
                        .anyMatch(c -> c.getDisconnectTime().getSeconds() == 0));
        check(channel);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aListenerTheClientRefusesShowsInItsStatus() throws Exception {
    bootstrap.subscribeAs(cp.gatewayToken(ORG, "gw-1"));
    String credential = createPanel("refused");
    try (var upstream = new HealthServers()) {
      reportInstance(credential, upstream.port());
      ManagedChannel channel = xds("panel.refused");
      try {
        awaitServing(channel);
        // A listener grpc-java cannot use (its connection manager has no filters), as a newer or
        // broken control plane might send.
        var broken =
            io.envoyproxy.envoy.config.listener.v3.Listener.newBuilder()
                .setName("panel.refused")
                .setApiListener(
                    io.envoyproxy.envoy.config.listener.v3.ApiListener.newBuilder()
                        .setApiListener(
                            com.google.protobuf.Any.pack(
                                io.envoyproxy.envoy.extensions.filters.network
                                    .http_connection_manager.v3.HttpConnectionManager.newBuilder()
                                    .setStatPrefix("broken")
                                    .setRds(
                                        io.envoyproxy.envoy.extensions.filters.network
                                            .http_connection_manager.v3.Rds.newBuilder()
                                            .setRouteConfigName("panel.refused"))
                                    .build())))
                .build();
        @SuppressWarnings("unchecked")
        var cache =
            (io.envoyproxy.controlplane.cache.v3.SimpleCache<String>)
                cp.context.getBean("xdsCache");
        cache.setSnapshot(
            "MESH:" + ORG,
            io.envoyproxy.controlplane.cache.v3.Snapshot.create(
                java.util.List.of(),
                "none",
                java.util.List.of(),
                "none",
                java.util.List.of(broken),
                "broken-1",
                java.util.List.of(),
                "none",
                java.util.List.of(),
                ""));
        var mesh = cp.as(MeshServiceGrpc.newBlockingStub(cp.channel), admin());
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(
                () ->
                    assertThat(
                            mesh.listXdsClients(
                                    ListXdsClientsRequest.newBuilder()
                                        .setNodeId("test/xds")
                                        .build())
                                .getClientsList())
                        .flatMap(c -> c.getResourcesList())
                        .anySatisfy(
                            r -> {
                              assertThat(r.getTypeUrl()).endsWith("Listener");
                              assertThat(r.getRejectedVersion()).isEqualTo("broken-1");
                              assertThat(r.getRejectedError()).contains("HttpFilter");
                            }));
        // Another organisation's admin does not see this client at all.
        assertThat(
                cp.as(
                        MeshServiceGrpc.newBlockingStub(cp.channel),
                        cp.token("eve", "globex", "admin"))
                    .listXdsClients(ListXdsClientsRequest.getDefaultInstance())
                    .getClientsList())
            .isEmpty();
        // The next good version puts everything back.
        cp.context.getBean(io.nexusmesh.controlplane.xds.MeshPublisher.class).publishNow();
        awaitServing(channel);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void onlyMeshCredentialsSubscribeAndOnlyGatewaysSeePanels() throws Exception {
    String panelCredential = createPanel("private");
    var ads =
        AggregatedDiscoveryServiceGrpc.newStub(
            Grpc.newChannelBuilder(
                    "127.0.0.1:" + bootstrap.port, InsecureChannelCredentials.create())
                .build());
    assertThat(RawAds.subscribe(ads, null).getStatus().getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(RawAds.subscribe(cp.as(ads, panelCredential), null).getStatus().getCode())
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    // A developer sees the gateway fleet but no panel, whatever node id it claims.
    DiscoveryResponse listeners =
        RawAds.subscribe(cp.as(ads, cp.token("dev", ORG, "developer")), "gateway/gw-1").response();
    assertThat(listeners.getResourcesList()).isNotEmpty();
    assertThat(
            listeners.getResourcesList().stream()
                .map(
                    r -> {
                      try {
                        return r.unpack(io.envoyproxy.envoy.config.listener.v3.Listener.class)
                            .getName();
                      } catch (Exception e) {
                        throw new AssertionError(e);
                      }
                    }))
        .contains("gateways", "gateways.dev")
        .noneMatch(name -> name.startsWith("panel."));
  }
}
