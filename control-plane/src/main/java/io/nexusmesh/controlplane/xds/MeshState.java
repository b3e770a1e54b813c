package io.nexusmesh.controlplane.xds;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.api.controlplane.v1.Environment;
import java.util.List;
import java.util.Map;

/**
 * What the xDS server tells the mesh, per organisation: where its gateways listen (and whether they
 * are alive) and where its panels' sidecars listen. Built from the stores by {@link
 * MeshStateReader}; turned into resources by {@link MeshSnapshots}, a pure function of it.
 */
public record MeshState(Map<String, OrgMesh> orgs) {
  public MeshState {
    orgs = Map.copyOf(orgs);
  }

  /** No organisation has anything to route to. */
  public static MeshState empty() {
    return new MeshState(Map.of());
  }

  /** A TCP address and whether it may be sent traffic. */
  public record Upstream(String host, int port, boolean healthy) {
    public Upstream {
      requireNonNull(host, "host");
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port: " + port);
      }
    }
  }

  /** One gateway: its id, its environment, where it listens. */
  public record GatewayUpstream(String id, Environment environment, Upstream at) {
    public GatewayUpstream {
      requireNonNull(id, "id");
      requireNonNull(environment, "environment");
      requireNonNull(at, "at");
    }
  }

  /** One organisation's gateways (by id) and running panels' sidecars (by panel name). */
  public record OrgMesh(List<GatewayUpstream> gateways, Map<String, Upstream> panels) {
    public OrgMesh {
      gateways = List.copyOf(gateways);
      panels = Map.copyOf(panels);
    }
  }
}
