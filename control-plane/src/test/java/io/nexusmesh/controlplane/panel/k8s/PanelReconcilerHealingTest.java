package io.nexusmesh.controlplane.panel.k8s;

import static io.nexusmesh.controlplane.panel.k8s.PanelClusterFixture.NAMESPACE;
import static io.nexusmesh.controlplane.panel.k8s.PanelClusterFixture.made;
import static io.nexusmesh.controlplane.panel.k8s.PanelClusterFixture.settle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nexusmesh.api.controlplane.v1.PanelMode;
import io.nexusmesh.api.controlplane.v1.PanelPhase;
import io.nexusmesh.sidecar.watchdog.PodDeleter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The panel manager healing what happens to its panels' objects: drift undone, an image that will
 * not pull reported, the idle watchdog's deletion kept, and a restarted reconciler changing nothing
 * while removing what a panel deleted meanwhile left.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class PanelReconcilerHealingTest extends ReconcilerTestSupport {
  KubernetesClient client;

  @Override
  KubernetesClient client() {
    return client;
  }

  @Test
  void driftIsUndone() {
    fixture.create("notes", PanelMode.PANEL_MODE_STUDIO);
    changed("notes");
    await().atMost(Duration.ofSeconds(20)).until(() -> pod("notes") != null);
    settle(reconciler);
    String name = PanelNames.base(fixture.org, "notes");
    client.network().v1().networkPolicies().inNamespace(NAMESPACE).withName(name).delete();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                client.network().v1().networkPolicies().inNamespace(NAMESPACE).withName(name).get()
                    != null);

    client
        .network()
        .v1()
        .networkPolicies()
        .inNamespace(NAMESPACE)
        .withName(name)
        .edit(
            p -> {
              p.getSpec().getEgress().clear();
              p.getMetadata().getAnnotations().put(PanelApplier.DIGEST, "edited");
              return p;
            });
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(
                        client
                            .network()
                            .v1()
                            .networkPolicies()
                            .inNamespace(NAMESPACE)
                            .withName(name)
                            .get()
                            .getSpec()
                            .getEgress())
                    .isNotEmpty());
  }

  @Test
  void aPodThatCannotPullItsImageIsAFailureInTheKubeletsWords() {
    fixture.create("notes", PanelMode.PANEL_MODE_STUDIO);
    changed("notes");
    await().atMost(Duration.ofSeconds(20)).until(() -> pod("notes") != null);
    client
        .pods()
        .inNamespace(NAMESPACE)
        .resource(
            new PodBuilder(pod("notes"))
                .withNewStatus()
                .withPhase("Pending")
                .withContainerStatuses(
                    new ContainerStatusBuilder()
                        .withName("panel")
                        .withNewState()
                        .withNewWaiting()
                        .withReason("ImagePullBackOff")
                        .withMessage("Back-off pulling image \"ghcr.io/acme/notes:dev\"")
                        .endWaiting()
                        .endState()
                        .build())
                .endStatus()
                .build())
        .updateStatus();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              var status = fixture.panel("notes").getStatus();
              assertThat(status.getPhase()).isEqualTo(PanelPhase.PANEL_PHASE_FAILED);
              assertThat(status.getLastError())
                  .isEqualTo(
                      "panel: ImagePullBackOff: Back-off pulling image \"ghcr.io/acme/notes:dev\"");
            });
  }

  @Test
  void theIdleWatchdogsDeletionStopsThePanelAndKeepsItsHome() throws Exception {
    fixture.create("notes", PanelMode.PANEL_MODE_STUDIO);
    changed("notes");
    await().atMost(Duration.ofSeconds(20)).until(() -> pod("notes") != null);
    settle(reconciler);

    new PodDeleter(client, NAMESPACE, PanelNames.base(fixture.org, "notes")).stop();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(fixture.panel("notes").getStarted()).isFalse();
              assertThat(fixture.panel("notes").getStatus().getPhase())
                  .isEqualTo(PanelPhase.PANEL_PHASE_STOPPED);
            });
    settle(reconciler);
    assertThat(pod("notes")).as("the stopped panel's pod is not made again").isNull();
    assertThat(kinds(made(client))).containsEntry("PersistentVolumeClaim", 1L);
  }

  @Test
  void aRestartedReconcilerChangesNothingAndRemovesWhatADeletedPanelLeft() {
    fixture.create("notes", PanelMode.PANEL_MODE_STUDIO);
    fixture.create("site", PanelMode.PANEL_MODE_APP);
    fixture.create("gone", PanelMode.PANEL_MODE_STUDIO);
    List.of("notes", "site", "gone").forEach(this::changed);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> pod("gone") != null && knative("site") != null);
    settle(reconciler);
    reconciler.close();
    fixture.store.delete(fixture.org, "gone");
    Map<String, String> before = versions(made(client), "gone");

    reconciler = fixture.reconciler(client).start();
    await().atMost(Duration.ofSeconds(20)).until(() -> reconciler.passes() >= 3);
    settle(reconciler);
    List<GenericKubernetesResource> after = made(client);
    assertThat(versions(after, "gone")).isEqualTo(before);
    assertThat(after)
        .noneMatch(o -> "gone".equals(o.getMetadata().getLabels().get(PanelNames.PANEL)));
  }
}
