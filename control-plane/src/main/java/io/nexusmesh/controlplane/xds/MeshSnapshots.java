package io.nexusmesh.controlplane.xds;

import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.nexusmesh.api.controlplane.v1.Environment;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds what one subscriber of one organisation is served: a pure function of the {@link
 * MeshState} (in the way Istio's pilot builds a proxy's config from its push context). Every
 * resource type is versioned by a digest of its content, so an unchanged type is not sent again and
 * a restarted control plane serves the versions its clients already hold.
 */
public final class MeshSnapshots {
  /** What a subscriber may see. */
  public enum View {
    /** A gateway: the organisation's gateway fleet, the edge's routes and its panels' sidecars. */
    MESH,
    /** Anyone else of the organisation: the gateway fleet and the edge's routes. */
    CLIENTS
  }

  /** Where the edge reaches the control plane (a DNS name Envoy resolves, and a port). */
  public record Edge(String controlPlaneHost, int controlPlanePort) {}

  private MeshSnapshots() {}

  /** The snapshot {@code view} of {@code mesh} (null: the organisation has nothing yet). */
  public static Snapshot build(MeshState.OrgMesh mesh, View view, Edge edge) {
    MeshState.OrgMesh org = mesh == null ? new MeshState.OrgMesh(List.of(), Map.of()) : mesh;
    Map<String, List<MeshState.Upstream>> targets = new TreeMap<>();
    targets.put(
        MeshResources.GATEWAYS,
        org.gateways().stream().map(MeshState.GatewayUpstream::at).toList());
    for (Environment environment :
        List.of(
            Environment.ENVIRONMENT_DEV,
            Environment.ENVIRONMENT_STAGING,
            Environment.ENVIRONMENT_PROD)) {
      targets.put(
          MeshResources.gateways(environment),
          org.gateways().stream()
              .filter(g -> g.environment() == environment)
              .map(MeshState.GatewayUpstream::at)
              .toList());
    }
    if (view == View.MESH) {
      org.panels().forEach((name, at) -> targets.put(MeshResources.panel(name), List.of(at)));
    }
    List<Listener> listeners = new ArrayList<>();
    List<RouteConfiguration> routes = new ArrayList<>();
    List<Cluster> clusters = new ArrayList<>();
    List<ClusterLoadAssignment> endpoints = new ArrayList<>();
    targets.forEach(
        (name, upstreams) -> {
          listeners.add(MeshResources.apiListener(name));
          routes.add(MeshResources.routes(name));
          clusters.add(MeshResources.edsCluster(name));
          endpoints.add(MeshResources.assignment(name, sortedByAddress(upstreams)));
        });
    routes.add(EdgeRoutes.build());
    clusters.add(
        MeshResources.dnsCluster(
            MeshResources.CONTROL_PLANE, edge.controlPlaneHost(), edge.controlPlanePort()));
    return Snapshot.create(
        clusters,
        digest(clusters),
        endpoints,
        digest(endpoints),
        listeners,
        digest(listeners),
        routes,
        digest(routes),
        List.of(),
        "");
  }

  private static List<MeshState.Upstream> sortedByAddress(List<MeshState.Upstream> upstreams) {
    return upstreams.stream()
        .sorted(
            Comparator.comparing(MeshState.Upstream::host)
                .thenComparingInt(MeshState.Upstream::port))
        .toList();
  }

  /** A short digest of the resources' serialized content, in order. */
  static String digest(List<? extends Message> resources) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Message resource : resources) {
        byte[] bytes = resource.toByteArray();
        sha.update(
            new byte[] {
              (byte) (bytes.length >>> 24),
              (byte) (bytes.length >>> 16),
              (byte) (bytes.length >>> 8),
              (byte) bytes.length
            });
        sha.update(bytes);
      }
      return HexFormat.of().formatHex(sha.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
