package io.nexusmesh.controlplane.panel.k8s;

import static io.nexusmesh.controlplane.panel.k8s.PanelClusterFixture.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the panel manager's tests against Fabric8's mock API server share: Knative's CRD installed,
 * a reconciler started on a fresh store, and reading and writing what a kubelet or Knative would
 * (the mock runs no controllers).
 */
abstract class ReconcilerTestSupport {
  static final KubernetesSerialization JSON = new KubernetesSerialization();

  /** The mock API server's client (each test class's own, injected by Fabric8's extension). */
  abstract KubernetesClient client();

  PanelClusterFixture fixture;
  PanelReconciler reconciler;

  @BeforeEach
  void installKnativeAndStart() {
    PanelClusterFixture.installKnative(client());
    fixture = new PanelClusterFixture();
    reconciler = fixture.reconciler(client()).start();
  }

  @AfterEach
  void stop() {
    reconciler.close();
  }

  void changed(String name) {
    reconciler.changed(fixture.org, name);
  }

  Pod pod(String name) {
    return client()
        .pods()
        .inNamespace(NAMESPACE)
        .withName(PanelNames.base(fixture.org, name))
        .get();
  }

  GenericKubernetesResource knative(String name) {
    return client()
        .genericKubernetesResources(ManagedKind.KNATIVE_SERVICE.context())
        .inNamespace(NAMESPACE)
        .withName(PanelNames.base(fixture.org, name))
        .get();
  }

  static Map<String, Long> kinds(List<GenericKubernetesResource> objects) {
    return objects.stream()
        .collect(Collectors.groupingBy(GenericKubernetesResource::getKind, Collectors.counting()));
  }

  /**
   * What the panel manager wrote reads strictly into Fabric8's model (unknown fields refused) and
   * keeps every rule of {@link PanelPolicy}.
   */
  static void assertWrittenAsThePolicySays(List<GenericKubernetesResource> written) {
    String yaml = written.stream().map(JSON::asYaml).collect(Collectors.joining("\n"));
    assertThat(StrictManifests.parse(yaml)).hasSameSizeAs(written);
    assertThat(PanelPolicy.violations(written.stream().map(ReconcilerTestSupport::typed).toList()))
        .isEmpty();
  }

  /** The typed model of {@code object} (Knative's Service stays generic). */
  private static io.fabric8.kubernetes.api.model.HasMetadata typed(
      GenericKubernetesResource object) {
    return JSON.unmarshal(JSON.asJson(object));
  }

  /** name → resourceVersion of everything but {@code except}'s. */
  static Map<String, String> versions(List<GenericKubernetesResource> all, String except) {
    return all.stream()
        .filter(o -> !except.equals(o.getMetadata().getLabels().get(PanelNames.PANEL)))
        .collect(
            Collectors.toMap(
                o -> o.getKind() + "/" + o.getMetadata().getName(),
                o -> o.getMetadata().getResourceVersion()));
  }

  void markReady(Pod pod) {
    Kubelet.markReady(client(), NAMESPACE, pod.getMetadata().getName());
  }

  void setKnativeStatus(String name, String ready, String message, String revision) {
    GenericKubernetesResource service = knative(name);
    String[] reason = message.split(": ", 2);
    service
        .getAdditionalProperties()
        .put(
            "status",
            Map.of(
                "url",
                "http://" + name + ".nexus-panels.example.com",
                "latestReadyRevisionName",
                revision,
                "conditions",
                List.of(
                    Map.of(
                        "type",
                        "Ready",
                        "status",
                        ready,
                        "reason",
                        reason[0],
                        "message",
                        reason.length > 1 ? reason[1] : ""))));
    client()
        .genericKubernetesResources(ManagedKind.KNATIVE_SERVICE.context())
        .inNamespace(NAMESPACE)
        .resource(service)
        .updateStatus();
  }
}
