package io.nexusmesh.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nexus dev} with its panel manager pointed at Fabric8's mock API server, driven by the CLI
 * as a process: {@code nexus panel create --image} makes a studio panel's pod, {@code get} shows
 * the status the pod gives, {@code stop} and {@code start} take it away and back, an app panel's
 * mutable image is refused naming the flag's field, and {@code delete} removes all.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class PanelsOnKubernetesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String POD = "panel-demo-notes";

  KubernetesClient client;
  @TempDir Path home;

  @Test
  void theCliRunsPanelsOnTheCluster() throws Exception {
    Map<String, String> env = new HashMap<>(NexusProcess.freeDevPorts());
    env.put("NEXUS_PANELS_KUBERNETES_ENABLED", "true");
    env.put("NEXUS_PANELS_KUBERNETES_API_URL", client.getMasterUrl().toString());
    var nexus = new NexusProcess(home, env);
    nexus.startDev();
    try {
      // The summary is printed just after the env file that startDev waits for is written.
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(nexus.devOutput())
                      .contains("panels         on Kubernetes at " + client.getMasterUrl()));

      var created = nexus.nexus("panel", "create", "notes", "--image", "ghcr.io/acme/notes:dev");
      assertThat(created.exit()).as(created.all()).isZero();
      await().atMost(Duration.ofSeconds(30)).until(() -> pod() != null);
      client
          .pods()
          .inNamespace("nexus-panels")
          .resource(
              new PodBuilder(pod())
                  .withNewStatus()
                  .withPhase("Running")
                  .addNewCondition()
                  .withType("Ready")
                  .withStatus("True")
                  .endCondition()
                  .endStatus()
                  .build())
          .updateStatus();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(status(nexus).path("phase").asText())
                      .isEqualTo("PANEL_PHASE_RUNNING"));
      var table = nexus.nexus("panel", "get", "notes");
      assertThat(table.stdout()).contains("CLUSTER").contains("running");

      var stopped = nexus.nexus("panel", "stop", "notes");
      assertThat(stopped.exit()).as(stopped.all()).isZero();
      await().atMost(Duration.ofSeconds(30)).until(() -> pod() == null);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(status(nexus).path("phase").asText())
                      .isEqualTo("PANEL_PHASE_STOPPED"));
      assertThat(nexus.nexus("panel", "start", "notes").exit()).isZero();
      await().atMost(Duration.ofSeconds(30)).until(() -> pod() != null);

      var mutable =
          nexus.nexus(
              "panel", "create", "site", "--mode", "app", "--image", "ghcr.io/acme/site:latest");
      assertThat(mutable.exit()).isNotZero();
      assertThat(mutable.stderr()).contains("image").contains("digest").doesNotContain("at io.");

      var missing = nexus.nexus("panel", "get", "nope");
      assertThat(missing.exit()).isNotZero();
      assertThat(missing.stderr()).contains("nope");

      assertThat(nexus.nexus("panel", "delete", "notes").exit()).isZero();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  client.serviceAccounts().inNamespace("nexus-panels").list().getItems().isEmpty()
                      && pod() == null);
    } finally {
      nexus.stopDev();
    }
  }

  private io.fabric8.kubernetes.api.model.Pod pod() {
    return client.pods().inNamespace("nexus-panels").withName(POD).get();
  }

  private static JsonNode status(NexusProcess nexus) throws Exception {
    var got = nexus.nexus("panel", "get", "notes", "-o", "json");
    assertThat(got.exit()).as(got.all()).isZero();
    JsonNode json = JSON.readTree(got.stdout());
    return json.path("status");
  }
}
