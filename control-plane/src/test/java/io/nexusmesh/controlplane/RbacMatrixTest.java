package io.nexusmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.nexusmesh.api.controlplane.v1.AbortCanaryRequest;
import io.nexusmesh.api.controlplane.v1.ApiKeyServiceGrpc;
import io.nexusmesh.api.controlplane.v1.AuditServiceGrpc;
import io.nexusmesh.api.controlplane.v1.CreateApiKeyRequest;
import io.nexusmesh.api.controlplane.v1.CreateDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowVersionRequest;
import io.nexusmesh.api.controlplane.v1.DeleteWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.DeploymentServiceGrpc;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.GatewayServiceGrpc;
import io.nexusmesh.api.controlplane.v1.GetDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.GetTraceRequest;
import io.nexusmesh.api.controlplane.v1.GetWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.GetWorkflowVersionRequest;
import io.nexusmesh.api.controlplane.v1.HeartbeatRequest;
import io.nexusmesh.api.controlplane.v1.ListApiKeysRequest;
import io.nexusmesh.api.controlplane.v1.ListAuditEventsRequest;
import io.nexusmesh.api.controlplane.v1.ListDeploymentsRequest;
import io.nexusmesh.api.controlplane.v1.ListGatewaysRequest;
import io.nexusmesh.api.controlplane.v1.ListTracesRequest;
import io.nexusmesh.api.controlplane.v1.ListWorkflowUsageRequest;
import io.nexusmesh.api.controlplane.v1.ListWorkflowVersionsRequest;
import io.nexusmesh.api.controlplane.v1.ListWorkflowsRequest;
import io.nexusmesh.api.controlplane.v1.PromoteCanaryRequest;
import io.nexusmesh.api.controlplane.v1.PromoteDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.RegisterGatewayRequest;
import io.nexusmesh.api.controlplane.v1.ReportUsageRequest;
import io.nexusmesh.api.controlplane.v1.RevokeApiKeyRequest;
import io.nexusmesh.api.controlplane.v1.RollbackDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.StreamAuditEventsRequest;
import io.nexusmesh.api.controlplane.v1.TraceServiceGrpc;
import io.nexusmesh.api.controlplane.v1.UpdateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.api.workflow.v1.Node;
import io.nexusmesh.api.workflow.v1.TransformNode;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Each role against each RPC of the running control plane: a call the role may make never gets
 * PERMISSION_DENIED, a call it may not make always does, and a caller without roles is denied
 * everything.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RbacMatrixTest {
  private static final String ORG = "rbac-org";
  private static final Set<String> ALL = Set.of("admin", "developer", "viewer");
  private static final Set<String> AUTHORS = Set.of("admin", "developer");
  private static final Set<String> AUDITORS = Set.of("admin", "viewer");
  private static final Set<String> ADMINS = Set.of("admin");

  private ControlPlaneHarness cp;

  @BeforeAll
  void start() throws Exception {
    cp = ControlPlaneHarness.start();
    cp.as(WorkflowServiceGrpc.newBlockingStub(cp.channel), cp.token("root", ORG, "admin"))
        .createWorkflow(
            CreateWorkflowRequest.newBuilder()
                .setWorkflow(Workflow.newBuilder().setId("target"))
                .build());
  }

  @AfterAll
  void stop() throws Exception {
    cp.close();
  }

  /** An RPC made with a token, and the roles allowed to make it. */
  private record Rpc(Set<String> allowed, Consumer<String> call) {}

  private Map<String, Rpc> rpcs() {
    var spec =
        WorkflowSpec.newBuilder()
            .addNodes(
                Node.newBuilder()
                    .setId("n")
                    .setTransform(TransformNode.newBuilder().setExpression("1")))
            .build();
    Map<String, Rpc> rpcs = new LinkedHashMap<>();
    rpcs.put(
        "GetWorkflow",
        new Rpc(
            ALL,
            t ->
                workflows(t).getWorkflow(GetWorkflowRequest.newBuilder().setId("target").build())));
    rpcs.put(
        "ListWorkflows",
        new Rpc(ALL, t -> workflows(t).listWorkflows(ListWorkflowsRequest.getDefaultInstance())));
    rpcs.put(
        "GetWorkflowVersion",
        new Rpc(
            ALL,
            t ->
                workflows(t)
                    .getWorkflowVersion(
                        GetWorkflowVersionRequest.newBuilder()
                            .setWorkflowId("target")
                            .setVersion(1)
                            .build())));
    rpcs.put(
        "ListWorkflowVersions",
        new Rpc(
            ALL,
            t ->
                workflows(t)
                    .listWorkflowVersions(
                        ListWorkflowVersionsRequest.newBuilder().setWorkflowId("target").build())));
    rpcs.put(
        "CreateWorkflow",
        new Rpc(
            AUTHORS,
            t ->
                workflows(t)
                    .createWorkflow(
                        CreateWorkflowRequest.newBuilder()
                            .setWorkflow(
                                Workflow.newBuilder().setId("made-by-" + Math.abs(t.hashCode())))
                            .build())));
    rpcs.put(
        "UpdateWorkflow",
        new Rpc(
            AUTHORS,
            t ->
                workflows(t)
                    .updateWorkflow(
                        UpdateWorkflowRequest.newBuilder()
                            .setWorkflow(Workflow.newBuilder().setId("target").setDescription("x"))
                            .build())));
    rpcs.put(
        "CreateWorkflowVersion",
        new Rpc(
            AUTHORS,
            t ->
                workflows(t)
                    .createWorkflowVersion(
                        CreateWorkflowVersionRequest.newBuilder()
                            .setWorkflowId("target")
                            .setSpec(spec)
                            .build())));
    rpcs.put(
        "DeleteWorkflow",
        new Rpc(
            AUTHORS,
            t ->
                workflows(t)
                    .deleteWorkflow(
                        DeleteWorkflowRequest.newBuilder().setId("does-not-exist").build())));
    rpcs.put(
        "ListAuditEvents",
        new Rpc(
            AUDITORS,
            t ->
                cp.as(AuditServiceGrpc.newBlockingStub(cp.channel), t)
                    .listAuditEvents(ListAuditEventsRequest.getDefaultInstance())));
    rpcs.put(
        "ListTraces",
        new Rpc(
            ALL,
            t ->
                cp.as(TraceServiceGrpc.newBlockingStub(cp.channel), t)
                    .listTraces(ListTracesRequest.getDefaultInstance())));
    rpcs.put(
        "GetTrace",
        new Rpc(
            ALL,
            t ->
                cp.as(TraceServiceGrpc.newBlockingStub(cp.channel), t)
                    .getTrace(
                        GetTraceRequest.newBuilder()
                            .setTraceId("0af7651916cd43dd8448eb211c80319c")
                            .build())));
    rpcs.put(
        "CreateApiKey",
        new Rpc(
            ADMINS,
            t ->
                keys(t)
                    .createApiKey(CreateApiKeyRequest.newBuilder().setDisplayName("k").build())));
    rpcs.put(
        "ListApiKeys",
        new Rpc(ADMINS, t -> keys(t).listApiKeys(ListApiKeysRequest.getDefaultInstance())));
    rpcs.put(
        "RevokeApiKey",
        new Rpc(
            ADMINS,
            t -> keys(t).revokeApiKey(RevokeApiKeyRequest.newBuilder().setId("nokey").build())));
    rpcs.put(
        "SetSecret",
        new Rpc(
            ADMINS,
            t ->
                secrets(t)
                    .setSecret(
                        io.nexusmesh.api.controlplane.v1.SetSecretRequest.newBuilder()
                            .setName("RBAC")
                            .setValue("v")
                            .build())));
    rpcs.put(
        "GetSecret",
        new Rpc(
            ALL,
            t ->
                secrets(t)
                    .getSecret(
                        io.nexusmesh.api.controlplane.v1.GetSecretRequest.newBuilder()
                            .setName("NONE")
                            .build())));
    rpcs.put(
        "ListSecrets",
        new Rpc(
            ALL,
            t ->
                secrets(t)
                    .listSecrets(
                        io.nexusmesh.api.controlplane.v1.ListSecretsRequest.getDefaultInstance())));
    rpcs.put(
        "DeleteSecret",
        new Rpc(
            ADMINS,
            t ->
                secrets(t)
                    .deleteSecret(
                        io.nexusmesh.api.controlplane.v1.DeleteSecretRequest.newBuilder()
                            .setName("NONE")
                            .build())));
    rpcs.put(
        "GetEgressPolicy",
        new Rpc(
            ALL,
            t ->
                egress(t)
                    .getEgressPolicy(
                        io.nexusmesh.api.controlplane.v1.GetEgressPolicyRequest
                            .getDefaultInstance())));
    rpcs.put(
        "UpdateEgressPolicy",
        new Rpc(
            ADMINS,
            t ->
                egress(t)
                    .updateEgressPolicy(
                        io.nexusmesh.api.controlplane.v1.UpdateEgressPolicyRequest
                            .getDefaultInstance())));
    rpcs.put(
        "ListGateways",
        new Rpc(
            ALL,
            t ->
                cp.as(GatewayServiceGrpc.newBlockingStub(cp.channel), t)
                    .listGateways(ListGatewaysRequest.getDefaultInstance())));
    rpcs.put(
        "ListXdsClients",
        new Rpc(
            ALL,
            t ->
                cp.as(
                        io.nexusmesh.api.controlplane.v1.MeshServiceGrpc.newBlockingStub(
                            cp.channel),
                        t)
                    .listXdsClients(
                        io.nexusmesh.api.controlplane.v1.ListXdsClientsRequest
                            .getDefaultInstance())));
    rpcs.put(
        "ListWorkflowUsage",
        new Rpc(
            ALL,
            t ->
                cp.as(GatewayServiceGrpc.newBlockingStub(cp.channel), t)
                    .listWorkflowUsage(ListWorkflowUsageRequest.getDefaultInstance())));
    // People never register gateways, whatever their role; gateways' service accounts do.
    rpcs.put(
        "RegisterGateway",
        new Rpc(
            Set.of(),
            t ->
                cp.as(GatewayServiceGrpc.newBlockingStub(cp.channel), t)
                    .registerGateway(
                        RegisterGatewayRequest.newBuilder()
                            .setGatewayId("gw")
                            .setEnvironment(Environment.ENVIRONMENT_DEV)
                            .setAdminEndpoint("http://127.0.0.1:9090")
                            .build())));
    rpcs.put(
        "StreamAuditEvents",
        new Rpc(
            AUDITORS,
            t ->
                cp.as(AuditServiceGrpc.newBlockingStub(cp.channel), t)
                    .withDeadlineAfter(1, TimeUnit.SECONDS)
                    .streamAuditEvents(StreamAuditEventsRequest.getDefaultInstance())
                    .hasNext()));
    rpcs.put(
        "Heartbeat",
        new Rpc(
            Set.of(),
            t ->
                cp.as(GatewayServiceGrpc.newBlockingStub(cp.channel), t)
                    .heartbeat(HeartbeatRequest.newBuilder().setGatewayId("gw").build())));
    rpcs.put(
        "ReportUsage",
        new Rpc(
            Set.of(),
            t ->
                cp.as(GatewayServiceGrpc.newBlockingStub(cp.channel), t)
                    .reportUsage(ReportUsageRequest.newBuilder().setGatewayId("gw").build())));
    rpcs.put(
        "ListDeployments",
        new Rpc(
            ALL, t -> deployments(t).listDeployments(ListDeploymentsRequest.getDefaultInstance())));
    rpcs.put(
        "GetDeployment",
        new Rpc(
            ALL,
            t ->
                deployments(t)
                    .getDeployment(GetDeploymentRequest.newBuilder().setId("nope").build())));
    rpcs.put(
        "CreateDeployment",
        new Rpc(
            AUTHORS,
            t ->
                deployments(t)
                    .createDeployment(
                        CreateDeploymentRequest.newBuilder()
                            .setWorkflowId("target")
                            .setVersion(99)
                            .setEnvironment(Environment.ENVIRONMENT_DEV)
                            .build())));
    rpcs.put(
        "PromoteDeployment",
        new Rpc(
            AUTHORS,
            t ->
                deployments(t)
                    .promoteDeployment(
                        PromoteDeploymentRequest.newBuilder().setId("nope").build())));
    rpcs.put(
        "RollbackDeployment",
        new Rpc(
            AUTHORS,
            t ->
                deployments(t)
                    .rollbackDeployment(
                        RollbackDeploymentRequest.newBuilder().setId("nope").build())));
    rpcs.put(
        "PromoteCanary",
        new Rpc(
            AUTHORS,
            t ->
                deployments(t)
                    .promoteCanary(PromoteCanaryRequest.newBuilder().setId("nope").build())));
    rpcs.put(
        "AbortCanary",
        new Rpc(
            AUTHORS,
            t ->
                deployments(t).abortCanary(AbortCanaryRequest.newBuilder().setId("nope").build())));
    rpcs.put(
        "CreatePanel",
        new Rpc(
            AUTHORS,
            t ->
                panels(t)
                    .createPanel(
                        io.nexusmesh.api.controlplane.v1.CreatePanelRequest.newBuilder()
                            .setName("p-" + java.util.UUID.randomUUID().toString().substring(0, 8))
                            .build())));
    rpcs.put(
        "GetPanel",
        new Rpc(
            ALL,
            t ->
                panels(t)
                    .getPanel(
                        io.nexusmesh.api.controlplane.v1.GetPanelRequest.newBuilder()
                            .setName("nope")
                            .build())));
    rpcs.put(
        "ListPanels",
        new Rpc(
            ALL,
            t ->
                panels(t)
                    .listPanels(
                        io.nexusmesh.api.controlplane.v1.ListPanelsRequest.getDefaultInstance())));
    rpcs.put(
        "DeletePanel",
        new Rpc(
            AUTHORS,
            t ->
                panels(t)
                    .deletePanel(
                        io.nexusmesh.api.controlplane.v1.DeletePanelRequest.newBuilder()
                            .setName("nope")
                            .build())));
    rpcs.put(
        "StartPanel",
        new Rpc(
            AUTHORS,
            t ->
                panels(t)
                    .startPanel(
                        io.nexusmesh.api.controlplane.v1.StartPanelRequest.newBuilder()
                            .setName("nope")
                            .build())));
    rpcs.put(
        "StopPanel",
        new Rpc(
            AUTHORS,
            t ->
                panels(t)
                    .stopPanel(
                        io.nexusmesh.api.controlplane.v1.StopPanelRequest.newBuilder()
                            .setName("nope")
                            .build())));
    rpcs.put(
        "IssuePanelCredential",
        new Rpc(
            AUTHORS,
            t ->
                panels(t)
                    .issuePanelCredential(
                        io.nexusmesh.api.controlplane.v1.IssuePanelCredentialRequest.newBuilder()
                            .setName("nope")
                            .build())));
    // Only a panel's own credential: no person's role grants these.
    rpcs.put(
        "RenewPanelCredential",
        new Rpc(
            Set.of(),
            t ->
                panels(t)
                    .renewPanelCredential(
                        io.nexusmesh.api.controlplane.v1.RenewPanelCredentialRequest
                            .getDefaultInstance())));
    rpcs.put(
        "ReportPanelInstance",
        new Rpc(
            Set.of(),
            t ->
                panels(t)
                    .reportPanelInstance(
                        io.nexusmesh.api.controlplane.v1.ReportPanelInstanceRequest.newBuilder()
                            .setInstance("instance-1")
                            .setEndpoint("127.0.0.1:1")
                            .setInvokeKey(com.google.protobuf.ByteString.copyFrom(new byte[32]))
                            .build())));
    return rpcs;
  }

  private io.nexusmesh.api.controlplane.v1.PanelServiceGrpc.PanelServiceBlockingStub panels(
      String token) {
    return cp.as(
        io.nexusmesh.api.controlplane.v1.PanelServiceGrpc.newBlockingStub(cp.channel), token);
  }

  private DeploymentServiceGrpc.DeploymentServiceBlockingStub deployments(String token) {
    return cp.as(DeploymentServiceGrpc.newBlockingStub(cp.channel), token);
  }

  private io.nexusmesh.api.controlplane.v1.SecretServiceGrpc.SecretServiceBlockingStub secrets(
      String token) {
    return cp.as(
        io.nexusmesh.api.controlplane.v1.SecretServiceGrpc.newBlockingStub(cp.channel), token);
  }

  private io.nexusmesh.api.controlplane.v1.EgressPolicyServiceGrpc.EgressPolicyServiceBlockingStub
      egress(String token) {
    return cp.as(
        io.nexusmesh.api.controlplane.v1.EgressPolicyServiceGrpc.newBlockingStub(cp.channel),
        token);
  }

  private ApiKeyServiceGrpc.ApiKeyServiceBlockingStub keys(String token) {
    return cp.as(ApiKeyServiceGrpc.newBlockingStub(cp.channel), token);
  }

  private WorkflowServiceGrpc.WorkflowServiceBlockingStub workflows(String token) {
    return cp.as(WorkflowServiceGrpc.newBlockingStub(cp.channel), token);
  }

  @Test
  void everyRoleAgainstEveryRpc() {
    List<String> wrong = new ArrayList<>();
    for (String role : List.of("admin", "developer", "viewer", "nobody")) {
      String token =
          role.equals("nobody") ? cp.token("n", ORG) : cp.token(role + "-user", ORG, role);
      rpcs()
          .forEach(
              (name, rpc) -> {
                Status.Code code = ControlPlaneHarness.codeOf(() -> rpc.call().accept(token));
                boolean denied = code == Status.Code.PERMISSION_DENIED;
                if (denied == rpc.allowed().contains(role)) {
                  wrong.add(role + " -> " + name + ": " + code);
                }
              });
    }
    assertThat(wrong).as("role/RPC pairs with the wrong outcome").isEmpty();
  }
}
