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
 * @param nativeSidecars whether the cluster runs native sidecars (init containers with {@code
 *     restartPolicy: Always}, on by default from Kubernetes 1.29); where it does not, a studio
 *     pod's sidecar is an ordinary container beside the user's
 */
public record PanelCluster(
    String namespace,
    String meshNamespace,
    String sidecarImage,
    String controlPlaneUrl,
    String redisUrl,
    String homeSize,
    boolean nativeSidecars) {
  public PanelCluster {
    requireNonNull(namespace, "namespace");
    requireNonNull(meshNamespace, "meshNamespace");
    requireNonNull(sidecarImage, "sidecarImage");
    requireNonNull(controlPlaneUrl, "controlPlaneUrl");
    requireNonNull(redisUrl, "redisUrl");
    requireNonNull(homeSize, "homeSize");
  }

  /** This cluster, with or without native sidecars. */
  public PanelCluster withNativeSidecars(boolean supported) {
    return new PanelCluster(
        namespace, meshNamespace, sidecarImage, controlPlaneUrl, redisUrl, homeSize, supported);
  }
}
