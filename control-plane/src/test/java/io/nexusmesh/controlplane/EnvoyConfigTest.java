package io.nexusmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import io.envoyproxy.envoy.extensions.filters.http.grpc_web.v3.GrpcWeb;
import io.envoyproxy.envoy.extensions.filters.http.health_check.v3.HealthCheck;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.controlplane.xds.EdgeRoutes;
import io.nexusmesh.controlplane.xds.MeshResources;
import io.nexusmesh.controlplane.xds.MeshSnapshots;
import io.nexusmesh.controlplane.xds.MeshState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * No Envoy binary runs here, so the edge's bootstrap ({@code envoy/edge.yaml}) and every resource
 * the xDS server serves are parsed into Envoy's own v3 protos, unknown fields and unknown {@code
 * Any} types refused, and checked for what the edge relies on.
 */
class EnvoyConfigTest {
  private static final TypeRegistry TYPES =
      TypeRegistry.newBuilder()
          .add(HttpConnectionManager.getDescriptor())
          .add(Router.getDescriptor())
          .add(GrpcWeb.getDescriptor())
          .add(Cors.getDescriptor())
          .add(CorsPolicy.getDescriptor())
          .add(JwtAuthentication.getDescriptor())
          .add(HealthCheck.getDescriptor())
          .add(HttpProtocolOptions.getDescriptor())
          .add(UpstreamTlsContext.getDescriptor())
          .build();

  private static Bootstrap edge() throws Exception {
    Path file = Path.of("..", "envoy", "edge.yaml");
    Object yaml =
        new ObjectMapper(new YAMLFactory()).readValue(Files.readString(file), Object.class);
    String json = new ObjectMapper().writeValueAsString(yaml);
    Bootstrap.Builder bootstrap = Bootstrap.newBuilder();
    JsonFormat.parser().usingTypeRegistry(TYPES).merge(json, bootstrap);
    return bootstrap.build();
  }

  private static <M extends Message> M unpack(Any any, Class<M> type) throws Exception {
    return any.unpack(type);
  }

  @Test
  void theEdgeBootstrapParsesAndTakesRoutesAndClustersOverAds() throws Exception {
    Bootstrap edge = edge();
    assertThat(edge.getAdmin().getAddress().getSocketAddress().getAddress()).isEqualTo("127.0.0.1");
    assertThat(edge.getDynamicResources().getAdsConfig().getApiType())
        .isEqualTo(ApiConfigSource.ApiType.GRPC);
    assertThat(edge.getDynamicResources().getCdsConfig().hasAds()).isTrue();
    var clusters = edge.getStaticResources().getClustersList().stream().map(Cluster::getName);
    assertThat(clusters).containsExactlyInAnyOrder("xds", "oidc", "admin");
    Cluster xds =
        edge.getStaticResources().getClustersList().stream()
            .filter(c -> c.getName().equals("xds"))
            .findFirst()
            .orElseThrow();
    assertThat(
            unpack(
                    xds.getTypedExtensionProtocolOptionsOrThrow(
                        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"),
                    HttpProtocolOptions.class)
                .getExplicitHttpConfig()
                .hasHttp2ProtocolOptions())
        .as("ADS is gRPC: HTTP/2 to the xDS server")
        .isTrue();

    Listener listener = edge.getStaticResources().getListeners(0);
    HttpConnectionManager manager =
        unpack(
            listener.getFilterChains(0).getFilters(0).getTypedConfig(),
            HttpConnectionManager.class);
    assertThat(manager.getRds().getRouteConfigName()).isEqualTo(EdgeRoutes.NAME);
    assertThat(manager.getRds().getConfigSource().hasAds()).isTrue();
    assertThat(manager.getUpgradeConfigsList())
        .anyMatch(u -> u.getUpgradeType().equals("websocket"));
    List<String> filters = manager.getHttpFiltersList().stream().map(HttpFilter::getName).toList();
    assertThat(filters)
        .containsExactly(
            "envoy.filters.http.cors",
            "envoy.filters.http.jwt_authn",
            "envoy.filters.http.grpc_web",
            "envoy.filters.http.router");
    for (HttpFilter filter : manager.getHttpFiltersList()) {
      // Every typed config resolves to a known type (unpacking fails otherwise).
      assertThat(TYPES.find(filter.getTypedConfig().getTypeUrl().replaceFirst(".*/", "")))
          .isNotNull();
    }
    JwtAuthentication jwt =
        unpack(manager.getHttpFilters(1).getTypedConfig(), JwtAuthentication.class);
    var provider = jwt.getProvidersOrThrow("nexus");
    assertThat(provider.getAudiencesList()).containsExactly("nexus-management");
    assertThat(provider.getRemoteJwks().getHttpUri().getCluster()).isEqualTo("oidc");
    // The last rule, the management API, needs the issuer's token; the data plane's do not.
    var last = jwt.getRules(jwt.getRulesCount() - 1);
    assertThat(last.getMatch().getPrefix()).isEqualTo("/");
    assertThat(last.getRequires().getProviderName()).isEqualTo("nexus");
    assertThat(jwt.getRulesList())
        .filteredOn(r -> r.getMatch().getPrefix().equals("/nexus.gateway.v1."))
        .singleElement()
        .satisfies(r -> assertThat(r.hasRequires()).isFalse());
  }

  @Test
  void aMisspeltFieldIsRefused() {
    String json = "{\"static_resources\": {\"listners\": []}}";
    assertThatThrownBy(
            () -> JsonFormat.parser().usingTypeRegistry(TYPES).merge(json, Bootstrap.newBuilder()))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void everyResourceTheXdsServerServesRoundTripsThroughEnvoysProtos() throws Exception {
    MeshState.OrgMesh mesh =
        new MeshState.OrgMesh(
            List.of(
                new MeshState.GatewayUpstream(
                    "gw-1",
                    Environment.ENVIRONMENT_DEV,
                    new MeshState.Upstream("10.0.0.7", 9090, true)),
                new MeshState.GatewayUpstream(
                    "gw-2",
                    Environment.ENVIRONMENT_PROD,
                    new MeshState.Upstream("10.0.0.8", 9090, false))),
            Map.of("tools", new MeshState.Upstream("10.1.0.5", 9191, true)));
    Snapshot snapshot =
        MeshSnapshots.build(mesh, MeshSnapshots.View.MESH, new MeshSnapshots.Edge("cp.svc", 8080));
    List<Message> resources = new ArrayList<>();
    snapshot.clusters().resources().values().forEach(resources::add);
    snapshot.endpoints().resources().values().forEach(resources::add);
    snapshot.listeners().resources().values().forEach(resources::add);
    snapshot.routes().resources().values().forEach(resources::add);
    assertThat(resources).hasSizeGreaterThan(10);
    for (Message resource : resources) {
      String json = JsonFormat.printer().usingTypeRegistry(TYPES).print(resource);
      Message.Builder parsed = resource.newBuilderForType();
      JsonFormat.parser().usingTypeRegistry(TYPES).merge(json, parsed);
      assertThat(parsed.build()).isEqualTo(resource);
    }
    assertThat(snapshot.listeners().resources())
        .containsKeys("gateways", "gateways.dev", "panel.tools");
    Listener panel = snapshot.listeners().resources().get("panel.tools");
    HttpConnectionManager manager =
        unpack(panel.getApiListener().getApiListener(), HttpConnectionManager.class);
    assertThat(manager.getStatPrefix()).isNotEmpty();
    assertThat(manager.getHttpFiltersList())
        .last()
        .extracting(HttpFilter::getName)
        .isEqualTo("envoy.filters.http.router");
    ClusterLoadAssignment prod = snapshot.endpoints().resources().get("gateways.prod");
    assertThat(prod.getEndpoints(0).getLbEndpoints(0).getHealthStatus().name())
        .isEqualTo("UNHEALTHY");
    RouteConfiguration routes = snapshot.routes().resources().get(EdgeRoutes.NAME);
    assertThat(routes.getVirtualHosts(0).getRoutesList())
        .allSatisfy(
            r ->
                assertThat(r.getRoute().getCluster())
                    .isIn(MeshResources.GATEWAYS, MeshResources.CONTROL_PLANE));
    // A client-side view never names a panel.
    Snapshot clients =
        MeshSnapshots.build(
            mesh, MeshSnapshots.View.CLIENTS, new MeshSnapshots.Edge("cp.svc", 8080));
    assertThat(clients.listeners().resources().keySet()).noneMatch(n -> n.startsWith("panel."));
    // The same state builds the same versions (a restarted control plane re-sends nothing).
    Snapshot again =
        MeshSnapshots.build(mesh, MeshSnapshots.View.MESH, new MeshSnapshots.Edge("cp.svc", 8080));
    assertThat(again.clusters().version()).isEqualTo(snapshot.clusters().version());
    assertThat(again.endpoints().version()).isEqualTo(snapshot.endpoints().version());
  }
}
