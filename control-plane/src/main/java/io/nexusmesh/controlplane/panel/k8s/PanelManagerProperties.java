package io.nexusmesh.controlplane.panel.k8s;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the panel manager, under {@code nexus.panels.kubernetes} ({@code
 * NEXUS_PANELS_KUBERNETES_*}; see {@code application.yaml}). The Kubernetes API is found the way
 * Fabric8 finds it: in a pod its service account, elsewhere {@code ~/.kube/config} or {@code
 * KUBECONFIG}.
 *
 * @param enabled whether this control plane runs panels on Kubernetes
 * @param namespace where panels' resources live
 * @param meshNamespace where the control plane, gateways and Redis run (the panels' NetworkPolicy
 *     admits and reaches them there); the election's Lease lives there too
 * @param sidecarImage the trusted sidecar's image
 * @param controlPlaneUrl the control plane as sidecars reach it
 * @param redisUrl the transactional bus as sidecars reach it
 * @param homeSize the size of a studio panel's {@code /home} volume
 * @param resync how often every panel is reconciled even without an event
 * @param identity this replica's name in the leader election (the pod's name, {@code HOSTNAME})
 * @param apiUrl the Kubernetes API server, when not the one Fabric8 finds
 */
@ConfigurationProperties("nexus.panels.kubernetes")
public record PanelManagerProperties(
    @DefaultValue("false") boolean enabled,
    @DefaultValue("nexus-panels") String namespace,
    @DefaultValue("nexus-system") String meshNamespace,
    @DefaultValue("ghcr.io/nexus-mesh/sidecar:latest") String sidecarImage,
    @DefaultValue("http://nexus-control-plane.nexus-system.svc:8080") String controlPlaneUrl,
    @DefaultValue("redis://nexus-redis.nexus-system.svc:6379") String redisUrl,
    @DefaultValue("1Gi") String homeSize,
    @DefaultValue("5m") Duration resync,
    @DefaultValue("control-plane") String identity,
    @DefaultValue("") String apiUrl) {

  /** The cluster as every panel's manifests see it. */
  public PanelCluster cluster() {
    return new PanelCluster(
        namespace, meshNamespace, sidecarImage, controlPlaneUrl, redisUrl, homeSize, true);
  }
}
