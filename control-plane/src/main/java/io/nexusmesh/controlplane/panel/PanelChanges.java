package io.nexusmesh.controlplane.panel;

/**
 * Told of every change to a panel's record (created, started, stopped, deleted) after it commits:
 * the Kubernetes panel manager reconciles the panel at once instead of at its next resync. Without
 * a panel manager nothing listens.
 */
@FunctionalInterface
public interface PanelChanges {
  /** Nothing listens. */
  PanelChanges NONE = (org, name) -> {};

  /** Panel {@code name} of {@code org} changed. */
  void changed(String org, String name);
}
