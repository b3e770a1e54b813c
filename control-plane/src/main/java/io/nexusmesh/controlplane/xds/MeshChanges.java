package io.nexusmesh.controlplane.xds;

/**
 * Told when what the mesh routes to may have changed (a gateway registered, a panel's instance came
 * or went), so the xDS server rebuilds and pushes soon rather than at its next resync.
 */
@FunctionalInterface
public interface MeshChanges {
  /** Nobody listens (the xDS server is off). */
  MeshChanges NONE = () -> {};

  /** Something the mesh routes by changed; cheap, and safe to call in bursts. */
  void changed();
}
