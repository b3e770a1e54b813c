package io.nexusmesh.controlplane.panel.k8s;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * What a kubelet would write of a pod, for tests on Fabric8's mock API server (which runs no
 * kubelet): a pod running and ready.
 */
public final class Kubelet {
  private Kubelet() {}

  /** Marks pod {@code name} in {@code namespace} Running with its Ready condition True. */
  public static void markReady(KubernetesClient client, String namespace, String name) {
    Pod pod = client.pods().inNamespace(namespace).withName(name).require();
    client
        .pods()
        .inNamespace(namespace)
        .resource(
            new PodBuilder(pod)
                .withNewStatus()
                .withPhase("Running")
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .endStatus()
                .build())
        .updateStatus();
  }
}
