package io.nexusmesh.controlplane.panel.k8s;

import static java.util.Objects.requireNonNull;

/**
 * How panels run on one cluster: the same for every panel.
 *
 * @param namespace where panels' resources live
 * @param meshNamespace where the control plane, the gateways (the traffic gateway) and Redis run
 * @param sidecarImage the trusted sidecar's image
 * @param controlPlaneUrl the control plane, as the sidecar reaches it
 * @param redisUrl the transactional bus, as the sidecar reaches it
 * @param homeSize the size of a studio panel's {@code /home} volume, e.g. {@code 1Gi}
 */
public record PanelCluster(
    String namespace,
    String meshNamespace,
    String sidecarImage,
    String controlPlaneUrl,
    String redisUrl,
    String homeSize) {
  public PanelCluster {
    requireNonNull(namespace, "namespace");
    requireNonNull(meshNamespace, "meshNamespace");
    requireNonNull(sidecarImage, "sidecarImage");
    requireNonNull(controlPlaneUrl, "controlPlaneUrl");
    requireNonNull(redisUrl, "redisUrl");
    requireNonNull(homeSize, "homeSize");
  }
}
