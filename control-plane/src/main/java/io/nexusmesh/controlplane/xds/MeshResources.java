package io.nexusmesh.controlplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.nexusmesh.api.controlplane.v1.Environment;
import java.util.List;
import java.util.Locale;

/**
 * The Envoy v3 resources of one routable name, in the shape grpc-java's xDS client needs for {@code
 * xds:///NAME} (an API listener whose connection manager takes its routes over ADS, one virtual
 * host for NAME, an EDS cluster, its endpoints), and the names the mesh uses.
 */
public final class MeshResources {
  /** All of an organisation's gateways: {@code xds:///gateways}. */
  public static final String GATEWAYS = "gateways";

  /** The control plane's cluster (the edge's management routes). */
  public static final String CONTROL_PLANE = "control-plane";

  private static final String ROUTER_FILTER = "envoy.filters.http.router";
  private static final ConfigSource ADS =
      ConfigSource.newBuilder()
          .setAds(AggregatedConfigSource.getDefaultInstance())
          .setResourceApiVersion(ApiVersion.V3)
          .build();

  private MeshResources() {}

  /**
   * The gateways of one environment: {@code xds:///gateways.dev}, {@code .staging}, {@code .prod}.
   */
  public static String gateways(Environment environment) {
    return GATEWAYS
        + "."
        + environment.name().substring("ENVIRONMENT_".length()).toLowerCase(Locale.ROOT);
  }

  /** A panel's sidecar: {@code xds:///panel.NAME} (the organisation is the subscriber's). */
  public static String panel(String name) {
    return "panel." + name;
  }

  /** The panel a {@link #panel(String)} name stands for, or null for any other name. */
  public static String panelOf(String resourceName) {
    return resourceName.startsWith("panel.") ? resourceName.substring("panel.".length()) : null;
  }

  /** The API listener of {@code name}: its routes come over ADS under the same name. */
  static Listener apiListener(String name) {
    HttpConnectionManager manager =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(name)
            .setRds(Rds.newBuilder().setRouteConfigName(name).setConfigSource(ADS))
            .addHttpFilters(
                HttpFilter.newBuilder()
                    .setName(ROUTER_FILTER)
                    .setTypedConfig(Any.pack(Router.getDefaultInstance())))
            .build();
    return Listener.newBuilder()
        .setName(name)
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(manager)))
        .build();
  }

  /** One virtual host for {@code name}, every call to the cluster of the same name. */
  static RouteConfiguration routes(String name) {
    return RouteConfiguration.newBuilder()
        .setName(name)
        .addVirtualHosts(
            VirtualHost.newBuilder()
                .setName(name)
                .addDomains(name)
                .addRoutes(
                    Route.newBuilder()
                        .setMatch(RouteMatch.newBuilder().setPrefix(""))
                        .setRoute(RouteAction.newBuilder().setCluster(name))))
        .build();
  }

  /** A round-robin cluster whose endpoints come over ADS, spoken to over HTTP/2 (gRPC). */
  static Cluster edsCluster(String name) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS))
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
        .setConnectTimeout(Durations.fromSeconds(2))
        .putTypedExtensionProtocolOptions(
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions", http2())
        .build();
  }

  /** A cluster Envoy resolves by DNS itself (the control plane's Service at the edge). */
  static Cluster dnsCluster(String name, String host, int port) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.STRICT_DNS)
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
        .setConnectTimeout(Durations.fromSeconds(2))
        .putTypedExtensionProtocolOptions(
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions", http2())
        .setLoadAssignment(assignment(name, List.of(new MeshState.Upstream(host, port, true))))
        .build();
  }

  /** The endpoints of {@code name}, unhealthy ones marked so (no traffic goes to them). */
  static ClusterLoadAssignment assignment(String name, List<MeshState.Upstream> upstreams) {
    // grpc-java drops a locality without a weight.
    LocalityLbEndpoints.Builder locality =
        LocalityLbEndpoints.newBuilder().setLoadBalancingWeight(UInt32Value.of(1));
    for (MeshState.Upstream upstream : upstreams) {
      locality.addLbEndpoints(
          LbEndpoint.newBuilder()
              .setHealthStatus(upstream.healthy() ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY)
              .setEndpoint(
                  Endpoint.newBuilder()
                      .setAddress(
                          Address.newBuilder()
                              .setSocketAddress(
                                  SocketAddress.newBuilder()
                                      .setAddress(upstream.host())
                                      .setPortValue(upstream.port())))));
    }
    ClusterLoadAssignment.Builder assignment =
        ClusterLoadAssignment.newBuilder().setClusterName(name);
    if (locality.getLbEndpointsCount() > 0) {
      assignment.addEndpoints(locality);
    }
    return assignment.build();
  }

  private static Any http2() {
    return Any.pack(
        HttpProtocolOptions.newBuilder()
            .setExplicitHttpConfig(
                HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                    .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
            .build());
  }
}
