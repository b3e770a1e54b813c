package io.nexusmesh.controlplane.panel.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nexusmesh.api.controlplane.v1.PanelMode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Two control-plane replicas: one holds the Lease and reconciles, the other waits; when the leader
 * stops, the other takes over and reconciles what changed meanwhile.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class PanelManagerTest {
  KubernetesClient client;

  @Test
  void exactlyOneReplicaReconcilesAndTheOtherTakesOver() {
    PanelClusterFixture.installKnative(client);
    var fixture = new PanelClusterFixture();
    try (PanelManager first =
            new PanelManager(
                    client, "nexus-system", "cp-0", signals(), () -> fixture.reconciler(client))
                .start();
        PanelManager second =
            new PanelManager(
                    client, "nexus-system", "cp-1", signals(), () -> fixture.reconciler(client))
                .start()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> first.leads() || second.leads());
      PanelManager leader = first.leads() ? first : second;
      PanelManager follower = leader == first ? second : first;
      assertThat(follower.leads()).isFalse();
      assertThat(follower.reconciler()).isEmpty();

      // A change made through the follower reaches the leader at once (its resync is 30 s away).
      fixture.create("notes", PanelMode.PANEL_MODE_STUDIO);
      follower.changed(fixture.org, "notes");
      await().atMost(Duration.ofSeconds(20)).until(() -> pod(fixture, "notes"));

      leader.close();
      await().atMost(Duration.ofSeconds(30)).until(follower::leads);
      fixture.create("site", PanelMode.PANEL_MODE_APP);
      follower.changed(fixture.org, "site");
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  client
                          .genericKubernetesResources(ManagedKind.KNATIVE_SERVICE.context())
                          .inNamespace(PanelClusterFixture.NAMESPACE)
                          .withName(PanelNames.base(fixture.org, "site"))
                          .get()
                      != null);
    }
  }

  private PanelChangeSignals signals() {
    return new PanelChangeSignals(
        client, PanelClusterFixture.NAMESPACE, java.time.Clock.systemUTC());
  }

  private boolean pod(PanelClusterFixture fixture, String name) {
    return client
            .pods()
            .inNamespace(PanelClusterFixture.NAMESPACE)
            .withName(PanelNames.base(fixture.org, name))
            .get()
        != null;
  }
}
