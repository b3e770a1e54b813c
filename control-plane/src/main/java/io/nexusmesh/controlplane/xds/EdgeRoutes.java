package io.nexusmesh.controlplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.time.Duration;

/**
 * The edge Envoy's route table ({@value #NAME}, asked for by {@code envoy/edge.yaml} over ADS): the
 * data plane's gRPC services, REST paths, MCP and panels' UIs to the organisation's gateways,
 * everything else to the control plane. Streams (watches, server-sent events, MCP, WebSockets) have
 * no route timeout; unary REST calls do. Only failures before a request reached an upstream are
 * retried, so no call runs twice.
 */
public final class EdgeRoutes {
  /** The route configuration's name. */
  public static final String NAME = "edge";

  private static final Duration UNARY_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration EXECUTE_TIMEOUT = Duration.ofMinutes(5);

  private EdgeRoutes() {}

  static RouteConfiguration build() {
    VirtualHost.Builder host =
        VirtualHost.newBuilder()
            .setName("nexus")
            .addDomains("*")
            .putTypedPerFilterConfig("envoy.filters.http.cors", Any.pack(cors()));
    host.addRoutes(stream(prefix("/nexus.gateway.v1."), MeshResources.GATEWAYS));
    host.addRoutes(stream(prefix("/v1/executions"), MeshResources.GATEWAYS));
    host.addRoutes(stream(prefix("/v1/sessions"), MeshResources.GATEWAYS));
    host.addRoutes(
        unary(
            RouteMatch.newBuilder()
                .setSafeRegex(
                    RegexMatcher.newBuilder().setRegex("^/v1/workflows/[^/]+:(execute|start)$")),
            MeshResources.GATEWAYS,
            EXECUTE_TIMEOUT));
    host.addRoutes(stream(prefix("/mcp"), MeshResources.GATEWAYS));
    host.addRoutes(stream(prefix("/panels/"), MeshResources.GATEWAYS));
    host.addRoutes(stream(prefix("/nexus.controlplane.v1."), MeshResources.CONTROL_PLANE));
    host.addRoutes(unary(prefix("/"), MeshResources.CONTROL_PLANE, UNARY_TIMEOUT));
    return RouteConfiguration.newBuilder().setName(NAME).addVirtualHosts(host).build();
  }

  /**
   * Browsers (the console, gRPC-Web and REST clients on other origins) may call with a bearer
   * token; no cookies are used, so any origin may, as with the control plane's own CORS service.
   */
  private static CorsPolicy cors() {
    return CorsPolicy.newBuilder()
        .addAllowOriginStringMatch(
            StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(".*")))
        .setAllowMethods("GET, POST, PATCH, DELETE, OPTIONS")
        .setAllowHeaders(
            "authorization, content-type, x-grpc-web, x-user-agent, grpc-timeout, traceparent,"
                + " tracestate, idempotency-key, last-event-id, mcp-session-id")
        .setExposeHeaders("grpc-status, grpc-message, grpc-status-details-bin, mcp-session-id")
        .setMaxAge("600")
        .build();
  }

  private static RouteMatch.Builder prefix(String prefix) {
    return RouteMatch.newBuilder().setPrefix(prefix);
  }

  private static Route stream(RouteMatch.Builder match, String cluster) {
    return unary(match, cluster, Duration.ZERO);
  }

  private static Route unary(RouteMatch.Builder match, String cluster, Duration timeout) {
    return Route.newBuilder()
        .setMatch(match)
        .setRoute(
            RouteAction.newBuilder()
                .setCluster(cluster)
                .setTimeout(Durations.fromMillis(timeout.toMillis()))
                .setRetryPolicy(
                    RetryPolicy.newBuilder()
                        .setRetryOn("connect-failure,refused-stream")
                        .setNumRetries(com.google.protobuf.UInt32Value.of(2))))
        .build();
  }
}
