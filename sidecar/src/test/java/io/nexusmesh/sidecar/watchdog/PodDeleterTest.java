package io.nexusmesh.sidecar.watchdog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** In a pod, an idle studio panel's watchdog deletes its own pod (Fabric8's mock API server). */
@EnableKubernetesMockClient(crud = true, https = false)
class PodDeleterTest {
  KubernetesClient client;

  @Test
  void anIdlePanelDeletesItsOwnPodAndNoOther() {
    for (String name : new String[] {"panel-notes-0", "panel-other-0"}) {
      client
          .pods()
          .inNamespace("studio")
          .resource(new PodBuilder().withNewMetadata().withName(name).endMetadata().build())
          .create();
    }
    try (IdleWatchdog watchdog =
        new IdleWatchdog(
            Duration.ofMillis(300),
            new PodDeleter(client, "studio", "panel-notes-0"),
            Clock.systemUTC())) {
      await().atMost(Duration.ofSeconds(20)).until(watchdog::fired);
    }
    assertThat(client.pods().inNamespace("studio").withName("panel-notes-0").get()).isNull();
    assertThat(client.pods().inNamespace("studio").withName("panel-other-0").get()).isNotNull();
  }

  @Test
  void outsideAPodThereIsNothingToDelete() {
    assertThat(PodDeleter.inCluster(Map.of())).isEmpty();
    assertThat(PodDeleter.inCluster(Map.of("KUBERNETES_SERVICE_HOST", "kubernetes.default.svc")))
        .isEmpty();
  }
}
