package io.nexusmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.GetWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.ListWorkflowsRequest;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.testing.KeycloakExtension;
import io.nexusmesh.testing.KeycloakServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The control plane trusting a real Keycloak realm instead of the dev issuer: Keycloak's tokens
 * work with their roles and org; another realm's and another audience's do not. Start-up: Keycloak
 * (once per run, realms from the fixtures), then the control plane pointed at the {@code nexus}
 * realm.
 */
@ExtendWith(KeycloakExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeycloakControlPlaneIT {
  private KeycloakServer keycloak;
  private ControlPlaneHarness cp;

  @BeforeAll
  void start(KeycloakServer keycloak) throws Exception {
    this.keycloak = keycloak;
    cp =
        ControlPlaneHarness.start(
            "nexus.control-plane.dev-issuer=false",
            "nexus.control-plane.oidc.issuer=" + keycloak.issuer("nexus"));
  }

  @AfterAll
  void stop() throws Exception {
    cp.close();
  }

  private WorkflowServiceGrpc.WorkflowServiceBlockingStub as(String token) {
    return cp.as(WorkflowServiceGrpc.newBlockingStub(cp.channel), token);
  }

  private String user(String name) {
    return keycloak.passwordToken("nexus", "nexus-cli", name, name + "-password");
  }

  @Test
  void keycloakUsersActWithTheirRolesInTheirOrg() {
    as(user("alice"))
        .createWorkflow(
            CreateWorkflowRequest.newBuilder()
                .setWorkflow(Workflow.newBuilder().setId("kc-made"))
                .build());
    var get = GetWorkflowRequest.newBuilder().setId("kc-made").build();
    assertThat(as(user("victor")).getWorkflow(get).getWorkflow().getId()).isEqualTo("kc-made");
    assertThat(
            ControlPlaneHarness.codeOf(
                () ->
                    as(user("victor"))
                        .createWorkflow(
                            CreateWorkflowRequest.newBuilder()
                                .setWorkflow(Workflow.newBuilder().setId("viewer-made"))
                                .build())))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(ControlPlaneHarness.codeOf(() -> as(user("bob")).getWorkflow(get)))
        .isEqualTo(Status.Code.NOT_FOUND);
    String service =
        keycloak.clientCredentialsToken("nexus", "nexus-service", "nexus-service-secret");
    assertThat(
            as(service).listWorkflows(ListWorkflowsRequest.getDefaultInstance()).getWorkflowsList())
        .extracting(Workflow::getId)
        .contains("kc-made");
  }

  @Test
  void otherRealmsAndAudiencesAreRefused() {
    var list = ListWorkflowsRequest.getDefaultInstance();
    String otherRealm = keycloak.passwordToken("other", "nexus-cli", "alice", "alice-password");
    assertThat(ControlPlaneHarness.codeOf(() -> as(otherRealm).listWorkflows(list)))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    String dataPlane =
        keycloak.passwordToken("nexus", "nexus-gateway-cli", "alice", "alice-password");
    assertThat(ControlPlaneHarness.codeOf(() -> as(dataPlane).listWorkflows(list)))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
  }
}
