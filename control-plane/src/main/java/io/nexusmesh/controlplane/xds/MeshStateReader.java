package io.nexusmesh.controlplane.xds;

import static java.util.Objects.requireNonNull;

import com.google.common.net.HostAndPort;
import io.nexusmesh.controlplane.gateway.GatewayHealthPolicy;
import io.nexusmesh.controlplane.store.GatewayStore;
import io.nexusmesh.controlplane.store.PanelStore;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the {@link MeshState} from the stores: every organisation's gateways heard from in the last
 * {@link #FORGET_GATEWAYS} (healthy or not, by the heartbeat policy) and every panel with a running
 * instance that listens on TCP. A gateway silent for longer is dropped from the routes; one that is
 * merely late is kept, marked unhealthy, so no traffic goes to it.
 */
public final class MeshStateReader {
  /** Gateways silent this long are no longer routed to at all. */
  static final Duration FORGET_GATEWAYS = Duration.ofHours(1);

  private static final int MAX_ROWS = 100_000;
  private static final Logger log = LoggerFactory.getLogger(MeshStateReader.class);

  private final GatewayStore gateways;
  private final PanelStore panels;
  private final GatewayHealthPolicy health;
  private final Clock clock;

  public MeshStateReader(
      GatewayStore gateways, PanelStore panels, GatewayHealthPolicy health, Clock clock) {
    this.gateways = requireNonNull(gateways, "gateways");
    this.panels = requireNonNull(panels, "panels");
    this.health = requireNonNull(health, "health");
    this.clock = requireNonNull(clock, "clock");
  }

  /** What the stores hold now. */
  public MeshState read() {
    Map<String, List<MeshState.GatewayUpstream>> fleets = new HashMap<>();
    for (GatewayStore.OrgRow held :
        gateways.heardSince(clock.instant().minus(FORGET_GATEWAYS), MAX_ROWS)) {
      var gateway = held.row().gateway();
      MeshState.Upstream at =
          gatewayAddress(gateway.getAdminEndpoint(), health.healthy(held.row()));
      if (at != null) {
        fleets
            .computeIfAbsent(held.org(), o -> new ArrayList<>())
            .add(new MeshState.GatewayUpstream(gateway.getId(), gateway.getEnvironment(), at));
      }
    }
    Map<String, Map<String, MeshState.Upstream>> sidecars = new HashMap<>();
    for (PanelStore.Row row : panels.allRunning(MAX_ROWS)) {
      MeshState.Upstream at = sidecarAddress(row.panel().getInstance().getEndpoint());
      if (at != null) {
        sidecars.computeIfAbsent(row.org(), o -> new TreeMap<>()).put(row.panel().getName(), at);
      }
    }
    Map<String, MeshState.OrgMesh> orgs = new HashMap<>();
    for (String org : union(fleets.keySet(), sidecars.keySet())) {
      orgs.put(
          org,
          new MeshState.OrgMesh(
              fleets.getOrDefault(org, List.of()), sidecars.getOrDefault(org, Map.of())));
    }
    return new MeshState(orgs);
  }

  private static List<String> union(java.util.Set<String> a, java.util.Set<String> b) {
    var all = new java.util.TreeSet<>(a);
    all.addAll(b);
    return List.copyOf(all);
  }

  /** The host and port of a gateway's base URL ({@code http://10.0.0.7:9090}), or null. */
  static MeshState.Upstream gatewayAddress(String url, boolean healthy) {
    try {
      URI uri = URI.create(url);
      int port = uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
      if (uri.getHost() == null) {
        return null;
      }
      return new MeshState.Upstream(uri.getHost(), port, healthy);
    } catch (IllegalArgumentException e) {
      log.warn("gateway endpoint {} is not a URL: not routed to", url);
      return null;
    }
  }

  /** A sidecar's {@code host:port}; null for a Unix socket, which no xDS client can dial. */
  static MeshState.Upstream sidecarAddress(String endpoint) {
    if (endpoint.startsWith("unix:")) {
      return null;
    }
    try {
      HostAndPort parsed = HostAndPort.fromString(endpoint);
      return parsed.hasPort()
          ? new MeshState.Upstream(parsed.getHost(), parsed.getPort(), true)
          : null;
    } catch (IllegalArgumentException e) {
      log.warn("panel endpoint {} is not host:port: not routed to", endpoint);
      return null;
    }
  }
}
