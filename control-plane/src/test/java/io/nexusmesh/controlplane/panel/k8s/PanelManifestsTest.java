package io.nexusmesh.controlplane.panel.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.nexusmesh.api.controlplane.v1.PanelMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The panel manager's translation of a panel into manifests: both modes, every manifest read back
 * strictly into Fabric8's model, every one keeping {@link PanelPolicy}, and the policy itself
 * failing when a manifest drops gVisor, the metadata deny or the user container's lock-down.
 */
class PanelManifestsTest {
  private static final PanelCluster CLUSTER =
      new PanelCluster(
          "nexus-panels",
          "nexus-system",
          "nexus-sidecar:0.1.0",
          "http://nexus-control-plane.nexus-system:8080",
          "redis://nexus-redis.nexus-system:6379",
          "1Gi",
          true);
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private static DesiredPanel studio(boolean running) {
    return new DesiredPanel(
        "acme", "notes", PanelMode.PANEL_MODE_STUDIO, "ghcr.io/acme/notes:dev", running, CLUSTER);
  }

  private static DesiredPanel app() {
    return new DesiredPanel(
        "acme", "notes", PanelMode.PANEL_MODE_APP, "ghcr.io/acme/notes@sha256:abc", true, CLUSTER);
  }

  private static <T> T only(List<HasMetadata> all, Class<T> type) {
    return all.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
  }

  @Test
  void aStudioPanelIsAPodWithItsHomeServiceRoleAndFence() {
    List<HasMetadata> all = PanelManifests.of(studio(true));
    assertThat(all)
        .extracting(HasMetadata::getKind)
        .containsExactly(
            "ServiceAccount",
            "NetworkPolicy",
            "Role",
            "RoleBinding",
            "PersistentVolumeClaim",
            "Service",
            "Pod");
    assertThat(PanelPolicy.violations(all)).isEmpty();
    Pod pod = only(all, Pod.class);
    assertThat(pod.getMetadata().getName()).isEqualTo("panel-acme-notes");
    // The sidecar is a native sidecar; only it holds the credential and the API token.
    var sidecar = pod.getSpec().getInitContainers().getFirst();
    assertThat(sidecar.getRestartPolicy()).isEqualTo("Always");
    assertThat(sidecar.getEnv())
        .anyMatch(e -> e.getName().equals("NEXUS_PANEL_CREDENTIAL") && e.getValueFrom() != null);
    assertThat(sidecar.getVolumeMounts())
        .anyMatch(m -> m.getMountPath().equals("/var/run/secrets/kubernetes.io/serviceaccount"));
    // The watchdog may delete this pod and no other.
    Role role = only(all, Role.class);
    assertThat(role.getRules().getFirst().getResourceNames()).containsExactly("panel-acme-notes");
    assertThat(role.getRules().getFirst().getVerbs())
        .containsExactlyInAnyOrder("get", "patch", "delete");
    assertThat(only(all, PersistentVolumeClaim.class).getMetadata().getName())
        .isEqualTo("panel-acme-notes-home");
  }

  @Test
  void stoppingAStudioPanelKeepsItsHomeAndDropsOnlyThePod() {
    List<HasMetadata> stopped = PanelManifests.of(studio(false));
    assertThat(stopped)
        .extracting(HasMetadata::getKind)
        .doesNotContain("Pod")
        .contains("PersistentVolumeClaim");
    List<String> running = new ArrayList<>();
    PanelManifests.of(studio(true)).forEach(m -> running.add(JSON.asYaml(m)));
    assertThat(running).containsAll(stopped.stream().map(JSON::asYaml).toList());
  }

  @Test
  void anAppPanelIsAKnativeServiceThatScalesToZeroBehindItsFence() {
    List<HasMetadata> all = PanelManifests.of(app());
    assertThat(all)
        .extracting(HasMetadata::getKind)
        .containsExactly("ServiceAccount", "NetworkPolicy", "Service");
    GenericKubernetesResource service = only(all, GenericKubernetesResource.class);
    assertThat(service.getApiVersion()).isEqualTo("serving.knative.dev/v1");
    Map<String, Object> annotations = service.get("spec", "template", "metadata", "annotations");
    assertThat(annotations)
        .containsEntry("autoscaling.knative.dev/class", "kpa.autoscaling.knative.dev")
        .containsEntry("autoscaling.knative.dev/min-scale", "0")
        .containsEntry("autoscaling.knative.dev/window", "60s");
    assertThat(PanelPolicy.violations(all)).isEmpty();
    // Knative's activator may reach a scaled-to-zero revision (knative/serving#12466).
    assertThat(JSON.asYaml(only(all, NetworkPolicy.class))).contains("knative-serving");
  }

  @Test
  void everyManifestReadsBackStrictlyAndTheSameInputGivesTheSameManifests() {
    for (DesiredPanel panel : List.of(studio(true), app())) {
      List<HasMetadata> first = PanelManifests.of(panel);
      for (HasMetadata manifest : first) {
        assertThat(JSON.asYaml(StrictManifests.roundTrip(manifest)))
            .isEqualTo(JSON.asYaml(manifest));
      }
      assertThat(PanelManifests.of(panel).stream().map(JSON::asYaml).toList())
          .isEqualTo(first.stream().map(JSON::asYaml).toList());
    }
    assertThatThrownBy(
            () ->
                StrictManifests.parse(
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  runtimeClasName: gvisor\n  containers: []\n"))
        .hasMessageContaining("runtimeClasName");
  }

  @Test
  void thePolicyFailsAPodWithoutGvisorAFenceWithoutTheMetadataDenyAndAnUnlockedContainer() {
    assertThat(
            violationsAfter(
                pod -> new PodBuilder(pod).editSpec().withRuntimeClassName(null).endSpec().build()))
        .anyMatch(v -> v.contains("runtimeClassName"));
    assertThat(
            violationsAfter(
                pod ->
                    new PodBuilder(pod)
                        .editSpec()
                        .editMatchingContainer(c -> c.getName().equals("panel"))
                        .editSecurityContext()
                        .withAllowPrivilegeEscalation(true)
                        .withReadOnlyRootFilesystem(false)
                        .endSecurityContext()
                        .endContainer()
                        .endSpec()
                        .build()))
        .anyMatch(v -> v.contains("may escalate"))
        .anyMatch(v -> v.contains("writable root filesystem"));
    assertThat(
            violationsAfter(
                pod ->
                    new PodBuilder(pod)
                        .editSpec()
                        .withAutomountServiceAccountToken(true)
                        .endSpec()
                        .build()))
        .anyMatch(v -> v.contains("automountServiceAccountToken"));

    List<HasMetadata> leaky = new ArrayList<>();
    for (HasMetadata m : PanelManifests.of(studio(true))) {
      if (m instanceof NetworkPolicy policy) {
        m =
            new NetworkPolicyBuilder(policy)
                .editSpec()
                .editFirstEgress()
                .editFirstTo()
                .editIpBlock()
                .withExcept("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
                .endIpBlock()
                .endTo()
                .endEgress()
                .endSpec()
                .build();
      }
      leaky.add(m);
    }
    assertThat(PanelPolicy.violations(leaky)).anyMatch(v -> v.contains("does not except"));
    assertThat(
            PanelPolicy.violations(
                PanelManifests.of(studio(true)).stream()
                    .filter(m -> !(m instanceof NetworkPolicy))
                    .toList()))
        .anyMatch(v -> v.contains("no NetworkPolicy selects"));
  }

  private static List<String> violationsAfter(UnaryOperator<Pod> change) {
    List<HasMetadata> changed = new ArrayList<>();
    for (HasMetadata m : PanelManifests.of(studio(true))) {
      changed.add(m instanceof Pod pod ? change.apply(pod) : m);
    }
    return PanelPolicy.violations(changed);
  }

  @Test
  void withoutNativeSidecarsAStudioSidecarIsAnOrdinaryContainerAndThePolicyStillHolds() {
    DesiredPanel panel =
        new DesiredPanel(
            "acme",
            "notes",
            PanelMode.PANEL_MODE_STUDIO,
            "ghcr.io/acme/notes:dev",
            true,
            CLUSTER.withNativeSidecars(false));
    List<HasMetadata> all = PanelManifests.of(panel);
    Pod pod =
        all.stream().filter(Pod.class::isInstance).map(Pod.class::cast).findFirst().orElseThrow();
    assertThat(pod.getSpec().getInitContainers()).isEmpty();
    assertThat(pod.getSpec().getContainers())
        .extracting(io.fabric8.kubernetes.api.model.Container::getName)
        .containsExactlyInAnyOrder("nexus-sidecar", "panel");
    assertThat(PanelPolicy.violations(all)).isEmpty();
  }

  @Test
  void nativeSidecarsAreKubernetes129On() {
    assertThat(PanelReconciler.nativeSidecars("1", "28")).isFalse();
    assertThat(PanelReconciler.nativeSidecars("1", "29+")).isTrue();
    assertThat(PanelReconciler.nativeSidecars("1", "32")).isTrue();
    assertThat(PanelReconciler.nativeSidecars("2", "0")).isTrue();
    assertThat(PanelReconciler.nativeSidecars("", "x")).isTrue();
  }
}
