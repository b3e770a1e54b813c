package io.nexusmesh.controlplane;

import static io.nexusmesh.controlplane.ControlPlaneHarness.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.rpc.BadRequest;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.nexusmesh.api.controlplane.v1.CreatePanelRequest;
import io.nexusmesh.api.controlplane.v1.DeletePanelRequest;
import io.nexusmesh.api.controlplane.v1.GetPanelRequest;
import io.nexusmesh.api.controlplane.v1.PanelMode;
import io.nexusmesh.api.controlplane.v1.PanelPhase;
import io.nexusmesh.api.controlplane.v1.PanelServiceGrpc.PanelServiceBlockingStub;
import io.nexusmesh.api.controlplane.v1.StartPanelRequest;
import io.nexusmesh.api.controlplane.v1.StopPanelRequest;
import io.nexusmesh.controlplane.panel.k8s.Kubelet;
import io.nexusmesh.controlplane.panel.k8s.PanelNames;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * PanelService driving the panel manager over gRPC, the way `nexus panels` does, against Fabric8's
 * mock API server: a studio panel created with an image gets its pod, its status comes back on
 * GetPanel, StopPanel and StartPanel take the pod away and back, DeletePanel removes everything; an
 * app panel's mutable image is refused naming the field; another org's panel is NOT_FOUND for start
 * and stop.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class PanelsOnKubernetesTest {
  KubernetesClient client;

  @Test
  void panelServiceDrivesPanelsOnTheCluster() throws Exception {
    String org = "k8s-" + UUID.randomUUID().toString().substring(0, 6);
    try (var cp =
        ControlPlaneHarness.start(
            "nexus.panels.kubernetes.enabled=true",
            "nexus.panels.kubernetes.api-url=" + client.getMasterUrl(),
            "nexus.panels.kubernetes.identity=cp-test")) {
      PanelServiceBlockingStub panels =
          PanelMeshSupport.panelsAs(cp, cp.token("dev", org, "developer"));
      PanelServiceBlockingStub outsider =
          PanelMeshSupport.panelsAs(cp, cp.token("eve", "other-" + org, "admin"));

      StatusRuntimeException mutable =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  panels.createPanel(
                      CreatePanelRequest.newBuilder()
                          .setName("site")
                          .setMode(PanelMode.PANEL_MODE_APP)
                          .setImage("ghcr.io/acme/site:latest")
                          .build()));
      assertThat(mutable.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      BadRequest bad =
          StatusProto.fromThrowable(mutable).getDetailsList().stream()
              .filter(d -> d.is(BadRequest.class))
              .findFirst()
              .orElseThrow()
              .unpack(BadRequest.class);
      assertThat(bad.getFieldViolations(0).getField()).isEqualTo("image");

      panels.createPanel(
          CreatePanelRequest.newBuilder()
              .setName("notes")
              .setImage("ghcr.io/acme/notes:dev")
              .build());
      String pod = PanelNames.base(org, "notes");
      await().atMost(Duration.ofSeconds(20)).until(() -> pod(pod) != null);
      Kubelet.markReady(client, "nexus-panels", pod);
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                var status =
                    panels
                        .getPanel(GetPanelRequest.newBuilder().setName("notes").build())
                        .getPanel()
                        .getStatus();
                assertThat(status.getPhase()).isEqualTo(PanelPhase.PANEL_PHASE_RUNNING);
                assertThat(status.getPod()).isEqualTo(pod);
                assertThat(status.hasUpdateTime()).isTrue();
              });

      assertThat(
              codeOf(
                  () -> outsider.stopPanel(StopPanelRequest.newBuilder().setName("notes").build())))
          .isEqualTo(Status.Code.NOT_FOUND);
      assertThat(
              panels
                  .stopPanel(StopPanelRequest.newBuilder().setName("notes").build())
                  .getPanel()
                  .getStarted())
          .isFalse();
      await().atMost(Duration.ofSeconds(20)).until(() -> pod(pod) == null);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  panels
                          .getPanel(GetPanelRequest.newBuilder().setName("notes").build())
                          .getPanel()
                          .getStatus()
                          .getPhase()
                      == PanelPhase.PANEL_PHASE_STOPPED);
      assertThat(
              codeOf(
                  () ->
                      outsider.startPanel(StartPanelRequest.newBuilder().setName("notes").build())))
          .isEqualTo(Status.Code.NOT_FOUND);
      panels.startPanel(StartPanelRequest.newBuilder().setName("notes").build());
      await().atMost(Duration.ofSeconds(20)).until(() -> pod(pod) != null);

      panels.deletePanel(DeletePanelRequest.newBuilder().setName("notes").build());
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  client
                      .serviceAccounts()
                      .inNamespace("nexus-panels")
                      .withLabel(PanelNames.ORG, org)
                      .list()
                      .getItems()
                      .isEmpty());
      assertThat(pod(pod)).isNull();
    }
  }

  private Pod pod(String name) {
    return client.pods().inNamespace("nexus-panels").withName(name).get();
  }
}
