package io.nexusmesh.controlplane.panel.k8s;

import static io.nexusmesh.controlplane.panel.k8s.PanelClusterFixture.NAMESPACE;
import static io.nexusmesh.controlplane.panel.k8s.PanelClusterFixture.made;
import static io.nexusmesh.controlplane.panel.k8s.PanelClusterFixture.settle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nexusmesh.api.controlplane.v1.PanelMode;
import io.nexusmesh.api.controlplane.v1.PanelPhase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The panel manager against Fabric8's mock API server in CRUD mode, with Knative's CRD installed:
 * panels of both modes made, stopped, started and deleted from their records, and their status read
 * from pods and Knative Services.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class PanelReconcilerTest extends ReconcilerTestSupport {
  KubernetesClient client;

  @Override
  KubernetesClient client() {
    return client;
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
}
