package io.nexusmesh.controlplane.panel.k8s;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.api.controlplane.v1.PanelMode;

/**
 * What one panel should be on the cluster: all the translation to manifests reads.
 *
 * @param org the panel's organisation
 * @param name the panel's name, unique in its org
 * @param mode studio (a pod kept warm, files on a PVC) or app (a Knative Service)
 * @param image the user container's image (immutable, by digest, for app panels)
 * @param running whether a studio panel's pod should exist (stop keeps its PVC); app panels scale
 *     themselves
 * @param cluster where and how panels run on this cluster
 */
public record DesiredPanel(
    String org, String name, PanelMode mode, String image, boolean running, PanelCluster cluster) {
  public DesiredPanel {
    requireNonNull(org, "org");
    requireNonNull(name, "name");
    requireNonNull(mode, "mode");
    requireNonNull(image, "image");
    requireNonNull(cluster, "cluster");
    if (mode != PanelMode.PANEL_MODE_STUDIO && mode != PanelMode.PANEL_MODE_APP) {
      throw new IllegalArgumentException("mode: " + mode + " (expected: STUDIO or APP)");
    }
  }

  /** Whether this is a studio panel. */
  public boolean studio() {
    return mode == PanelMode.PANEL_MODE_STUDIO;
  }
}
