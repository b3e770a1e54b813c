package io.nexusmesh.controlplane.panel.k8s;

import static io.nexusmesh.controlplane.panel.k8s.PanelClusterFixture.NAMESPACE;
import static io.nexusmesh.controlplane.panel.k8s.PanelClusterFixture.made;
import static io.nexusmesh.controlplane.panel.k8s.PanelClusterFixture.settle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.nexusmesh.api.controlplane.v1.PanelMode;
import io.nexusmesh.api.controlplane.v1.PanelPhase;
import io.nexusmesh.sidecar.watchdog.PodDeleter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The panel manager against Fabric8's mock API server in CRUD mode, with Knative's CRD installed:
 * panels of both modes made, stopped, started and deleted from their records; drift undone; status
 * read from pods and Knative Services; the idle watchdog's deletion kept; and a restarted
 * reconciler changing nothing. (The mock runs no controllers: tests write the status a kubelet or
 * Knative would.)
 */
@EnableKubernetesMockClient(crud = true, https = false)
class PanelReconcilerTest {
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  KubernetesClient client;
  private PanelClusterFixture fixture;
  private PanelReconciler reconciler;

  @BeforeEach
  void installKnativeAndStart() {
    PanelClusterFixture.installKnative(client);
    fixture = new PanelClusterFixture();
    reconciler = fixture.reconciler(client).start();
  }

  @AfterEach
  void stop() {
    reconciler.close();
  }

  private void changed(String name) {
    reconciler.changed(fixture.org, name);
  }

  private Pod pod(String name) {
    return client.pods().inNamespace(NAMESPACE).withName(PanelNames.base(fixture.org, name)).get();
  }

  private GenericKubernetesResource knative(String name) {
    return client
        .genericKubernetesResources(ManagedKind.KNATIVE_SERVICE.context())
        .inNamespace(NAMESPACE)
        .withName(PanelNames.base(fixture.org, name))
        .get();
  }

  private static Map<String, Long> kinds(List<GenericKubernetesResource> objects) {
    return objects.stream()
        .collect(Collectors.groupingBy(GenericKubernetesResource::getKind, Collectors.counting()));
  }

  @Test
  void aStudioPanelIsMadeStoppedStartedAndDeletedWhole() {
    fixture.create("notes", PanelMode.PANEL_MODE_STUDIO);
    changed("notes");
    await().atMost(Duration.ofSeconds(20)).until(() -> pod("notes") != null);
    settle(reconciler);

    List<GenericKubernetesResource> all = made(client);
    assertThat(kinds(all))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "ServiceAccount", 1L,
                "NetworkPolicy", 1L,
                "Role", 1L,
                "RoleBinding", 1L,
                "PersistentVolumeClaim", 1L,
                "Service", 1L,
                "Secret", 1L,
                "Pod", 1L));
    String anchor =
        all.stream()
            .filter(o -> o.getKind().equals("ServiceAccount"))
            .findFirst()
            .orElseThrow()
            .getMetadata()
            .getUid();
    assertThat(all)
        .filteredOn(o -> !o.getKind().equals("ServiceAccount"))
        .allSatisfy(
            o ->
                assertThat(o.getMetadata().getOwnerReferences())
                    .singleElement()
                    .satisfies(ref -> assertThat(ref.getUid()).isEqualTo(anchor)));
    assertWrittenAsThePolicySays(all);

    Secret secret =
        client
            .secrets()
            .inNamespace(NAMESPACE)
            .withName(PanelNames.base(fixture.org, "notes") + "-credential")
            .get();
    String credential =
        new String(
            Base64.getDecoder().decode(secret.getData().get(PanelPods.CREDENTIAL_KEY)),
            StandardCharsets.UTF_8);
    assertThat(fixture.credentials.verify(credential))
        .hasValueSatisfying(p -> assertThat(p.subject()).isEqualTo("panel:notes"));
    assertThat(secret.getData()).containsKey(PanelPods.REDIS_URL_KEY);
    assertThat(JSON.asJson(pod("notes")))
        .as("the Redis URL (its password) stays out of the pod spec")
        .doesNotContain(PanelClusterFixture.CLUSTER.redisUrl());
    assertThat(fixture.panel("notes").getStatus().getPhase())
        .isEqualTo(PanelPhase.PANEL_PHASE_PENDING);

    markReady(pod("notes"));
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              var status = fixture.panel("notes").getStatus();
              assertThat(status.getPhase()).isEqualTo(PanelPhase.PANEL_PHASE_RUNNING);
              assertThat(status.getPod()).isEqualTo(PanelNames.base(fixture.org, "notes"));
            });

    String claim =
        client
            .persistentVolumeClaims()
            .inNamespace(NAMESPACE)
            .withName(PanelNames.base(fixture.org, "notes") + "-home")
            .get()
            .getMetadata()
            .getUid();
    fixture.store.setStarted(fixture.org, "notes", false);
    changed("notes");
    await().atMost(Duration.ofSeconds(20)).until(() -> pod("notes") == null);
    settle(reconciler);
    assertThat(kinds(made(client))).doesNotContainKeys("Pod", "Secret");
    assertThat(fixture.panel("notes").getStatus().getPhase())
        .isEqualTo(PanelPhase.PANEL_PHASE_STOPPED);

    fixture.store.setStarted(fixture.org, "notes", true);
    changed("notes");
    await().atMost(Duration.ofSeconds(20)).until(() -> pod("notes") != null);
    assertThat(
            client
                .persistentVolumeClaims()
                .inNamespace(NAMESPACE)
                .withName(PanelNames.base(fixture.org, "notes") + "-home")
                .get()
                .getMetadata()
                .getUid())
        .as("stop and start keep /home")
        .isEqualTo(claim);

    fixture.store.delete(fixture.org, "notes");
    changed("notes");
    await().atMost(Duration.ofSeconds(20)).until(() -> made(client).isEmpty());
  }

  @Test
  void anAppPanelIsAKnativeServiceThatScalesToZero() {
    fixture.create("site", PanelMode.PANEL_MODE_APP);
    changed("site");
    await().atMost(Duration.ofSeconds(20)).until(() -> knative("site") != null);
    settle(reconciler);
    assertThat(kinds(made(client)))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("ServiceAccount", 1L, "NetworkPolicy", 1L, "Secret", 1L, "Service", 1L));
    GenericKubernetesResource service = knative("site");
    assertThat(service.getApiVersion()).isEqualTo("serving.knative.dev/v1");
    @SuppressWarnings("unchecked")
    Map<String, Object> template =
        (Map<String, Object>)
            ((Map<String, Object>) service.getAdditionalProperties().get("spec")).get("template");
    assertThat(JSON.asJson(template.get("metadata")))
        .contains("\"autoscaling.knative.dev/class\":\"kpa.autoscaling.knative.dev\"")
        .contains("\"autoscaling.knative.dev/min-scale\":\"0\"")
        .contains("\"autoscaling.knative.dev/window\":\"60s\"");
    assertThat(JSON.asJson(template.get("spec")))
        .contains("\"runtimeClassName\":\"gvisor\"")
        .contains(PanelClusterFixture.APP_IMAGE);

    assertWrittenAsThePolicySays(made(client));
    setKnativeStatus("site", "True", "", "site-00001");
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              var status = fixture.panel("site").getStatus();
              assertThat(status.getPhase()).isEqualTo(PanelPhase.PANEL_PHASE_RUNNING);
              assertThat(status.getRevision()).isEqualTo("site-00001");
              assertThat(status.getUrl()).isEqualTo("http://site.nexus-panels.example.com");
            });
    setKnativeStatus("site", "False", "RevisionMissing: the image could not be pulled", "");
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(fixture.panel("site").getStatus().getLastError())
                    .contains("the image could not be pulled"));

    fixture.store.setStarted(fixture.org, "site", false);
    changed("site");
    await().atMost(Duration.ofSeconds(20)).until(() -> knative("site") == null);
    settle(reconciler);
    assertThat(fixture.panel("site").getStatus().getPhase())
        .isEqualTo(PanelPhase.PANEL_PHASE_STOPPED);
    fixture.store.setStarted(fixture.org, "site", true);
    changed("site");
    await().atMost(Duration.ofSeconds(20)).until(() -> knative("site") != null);

    fixture.store.delete(fixture.org, "site");
    changed("site");
    await().atMost(Duration.ofSeconds(20)).until(() -> made(client).isEmpty());
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

  /**
   * What the panel manager wrote reads strictly into Fabric8's model (unknown fields refused) and
   * keeps every rule of {@link PanelPolicy}.
   */
  private static void assertWrittenAsThePolicySays(List<GenericKubernetesResource> written) {
    String yaml = written.stream().map(JSON::asYaml).collect(Collectors.joining("\n"));
    assertThat(StrictManifests.parse(yaml)).hasSameSizeAs(written);
    assertThat(PanelPolicy.violations(written.stream().map(PanelReconcilerTest::typed).toList()))
        .isEmpty();
  }

  /** The typed model of {@code object} (Knative's Service stays generic). */
  private static io.fabric8.kubernetes.api.model.HasMetadata typed(
      GenericKubernetesResource object) {
    return JSON.unmarshal(JSON.asJson(object));
  }

  /** name → resourceVersion of everything but {@code except}'s. */
  private static Map<String, String> versions(List<GenericKubernetesResource> all, String except) {
    return all.stream()
        .filter(o -> !except.equals(o.getMetadata().getLabels().get(PanelNames.PANEL)))
        .collect(
            Collectors.toMap(
                o -> o.getKind() + "/" + o.getMetadata().getName(),
                o -> o.getMetadata().getResourceVersion()));
  }

  private void markReady(Pod pod) {
    client
        .pods()
        .inNamespace(NAMESPACE)
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

  private void setKnativeStatus(String name, String ready, String message, String revision) {
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
    client
        .genericKubernetesResources(ManagedKind.KNATIVE_SERVICE.context())
        .inNamespace(NAMESPACE)
        .resource(service)
        .updateStatus();
  }
}
