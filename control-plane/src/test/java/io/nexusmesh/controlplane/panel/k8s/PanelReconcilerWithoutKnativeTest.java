package io.nexusmesh.controlplane.panel.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nexusmesh.api.controlplane.v1.PanelMode;
import io.nexusmesh.api.controlplane.v1.PanelPhase;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** On a cluster without Knative Serving app panels fail with that reason; studio panels run. */
@EnableKubernetesMockClient(crud = true, https = false)
class PanelReconcilerWithoutKnativeTest {
  KubernetesClient client;

  @Test
  void anAppPanelFailsWithTheReasonAndAStudioPanelStillRuns() {
    var fixture = new PanelClusterFixture();
    try (PanelReconciler reconciler = fixture.reconciler(client).start()) {
      fixture.create("site", PanelMode.PANEL_MODE_APP);
      fixture.create("notes", PanelMode.PANEL_MODE_STUDIO);
      reconciler.changed(fixture.org, "site");
      reconciler.changed(fixture.org, "notes");
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                var status = fixture.panel("site").getStatus();
                assertThat(status.getPhase()).isEqualTo(PanelPhase.PANEL_PHASE_FAILED);
                assertThat(status.getLastError()).contains("Knative Serving");
              });
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  client
                          .pods()
                          .inNamespace(PanelClusterFixture.NAMESPACE)
                          .withName(PanelNames.base(fixture.org, "notes"))
                          .get()
                      != null);
    }
  }
}
