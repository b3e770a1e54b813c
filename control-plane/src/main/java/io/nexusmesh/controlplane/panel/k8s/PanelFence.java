package io.nexusmesh.controlplane.panel.k8s;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The NetworkPolicy around a panel's pods: ingress only from the traffic gateway (and, for app
 * panels, Knative's activator, without which a scaled-to-zero service never wakes:
 * knative/serving#12466); egress to the public internet but not to private ranges or the cloud
 * metadata address, plus DNS and the mesh services the sidecar talks to.
 */
public final class PanelFence {
  /** Where egress is refused: private ranges and the metadata address (credential theft). */
  public static final List<String> DENIED =
      List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.169.254/32");

  /** The label of the gateway pods (the traffic gateway). */
  public static final Map<String, String> GATEWAY_PODS =
      Map.of("app.kubernetes.io/name", "nexus-gateway");

  /** The namespace of Knative's activator. */
  public static final String KNATIVE_NAMESPACE = "knative-serving";

  private static final String NAMESPACE_NAME = "kubernetes.io/metadata.name";

  private PanelFence() {}

  /** The policy of {@code panel}'s pods. */
  public static NetworkPolicy of(DesiredPanel panel) {
    String mesh = panel.cluster().meshNamespace();
    List<NetworkPolicyPeer> from = new ArrayList<>();
    from.add(
        new NetworkPolicyPeerBuilder()
            .withNewNamespaceSelector()
            .addToMatchLabels(NAMESPACE_NAME, mesh)
            .endNamespaceSelector()
            .withNewPodSelector()
            .withMatchLabels(GATEWAY_PODS)
            .endPodSelector()
            .build());
    if (!panel.studio()) {
      from.add(
          new NetworkPolicyPeerBuilder()
              .withNewNamespaceSelector()
              .addToMatchLabels(NAMESPACE_NAME, KNATIVE_NAMESPACE)
              .endNamespaceSelector()
              .build());
    }
    return new NetworkPolicyBuilder()
        .withNewMetadata()
        .withName(PanelNames.base(panel.org(), panel.name()))
        .withNamespace(panel.cluster().namespace())
        .withLabels(PanelNames.labels(panel))
        .endMetadata()
        .withNewSpec()
        .withNewPodSelector()
        .withMatchLabels(PanelNames.podLabels(panel))
        .endPodSelector()
        .withPolicyTypes("Ingress", "Egress")
        .addNewIngress()
        .withFrom(from)
        .endIngress()
        // The public internet (package installs, public APIs), not private ranges or metadata.
        .addNewEgress()
        .addNewTo()
        .withNewIpBlock()
        .withCidr("0.0.0.0/0")
        .withExcept(DENIED)
        .endIpBlock()
        .endTo()
        .endEgress()
        // DNS, from the cluster's resolver only.
        .addNewEgress()
        .addNewTo()
        .withNewNamespaceSelector()
        .addToMatchLabels(NAMESPACE_NAME, "kube-system")
        .endNamespaceSelector()
        .withNewPodSelector()
        .addToMatchLabels("k8s-app", "kube-dns")
        .endPodSelector()
        .endTo()
        .withPorts(
            new NetworkPolicyPortBuilder()
                .withProtocol("UDP")
                .withPort(new IntOrString(53))
                .build(),
            new NetworkPolicyPortBuilder()
                .withProtocol("TCP")
                .withPort(new IntOrString(53))
                .build())
        .endEgress()
        // The mesh services the sidecar uses (each needs a credential the user container lacks).
        .addNewEgress()
        .addNewTo()
        .withNewNamespaceSelector()
        .addToMatchLabels(NAMESPACE_NAME, mesh)
        .endNamespaceSelector()
        .withNewPodSelector()
        .addToMatchLabels("app.kubernetes.io/part-of", "nexus-mesh")
        .endPodSelector()
        .endTo()
        .endEgress()
        .endSpec()
        .build();
  }
}
