package io.nexusmesh.controlplane;

import static io.nexusmesh.controlplane.ControlPlaneHarness.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.auth.AuthToken;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.nexusmesh.api.controlplane.v1.ApiKeyServiceGrpc;
import io.nexusmesh.api.controlplane.v1.AuditServiceGrpc;
import io.nexusmesh.api.controlplane.v1.CreateApiKeyRequest;
import io.nexusmesh.api.controlplane.v1.CreateDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowVersionRequest;
import io.nexusmesh.api.controlplane.v1.Deployment;
import io.nexusmesh.api.controlplane.v1.DeploymentServiceGrpc;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.GetDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.ListAuditEventsRequest;
import io.nexusmesh.api.controlplane.v1.PromoteDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.RollbackDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.RolloutState;
import io.nexusmesh.api.controlplane.v1.WatchDeploymentsRequest;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecutionEvent;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.gateway.v1.WatchExecutionRequest;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.gateway.Gateway;
import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.auth.DevTokenIssuer.TokenRequest;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The whole path with the control plane and gateways as separate servers: a person creates and
 * versions a workflow, deploys it, and callers execute it on a gateway over grpc-java, REST and
 * gRPC-Web and watch its events; rollback, promotion, reconciliation of a gateway that registers
 * later, usage reports, wrong-plane and cross-org credentials, and a gateway that keeps serving
 * while the control plane is down.
 *
 * <p>Start-up order: Redis (fixture), the control plane (H2, dev issuer), then gateways, which
 * trust the control plane's dev issuer and register with a gateway service-account token.
 */
@ExtendWith(RedisExtension.class)
class DeploymentEndToEndTest {
  private static final String ORG = "acme";
  private static final String SPEC =
      """
      {"nodes": [{"id": "greet", "transform": {"expression": "{'greeting': '%s, ' + input.name + '!'}"}}],
       "inputSchema": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}""";

  private final HttpClient http = io.nexusmesh.testing.TestHttp.client();

  @Test
  void createVersionDeployExecuteWatchRollbackPromote(RedisEndpoint redis) throws Exception {
    ControlPlaneHarness cp =
        ControlPlaneHarness.start("nexus.control-plane.gateway-heartbeat-interval=500ms");
    Gateway gateway =
        startGateway(cp, redis, "gw-e2e-" + UUID.randomUUID().toString().substring(0, 6));
    Gateway late = null;
    ManagedChannel toGateway =
        NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    try {
      String admin = cp.token("ada", ORG, "admin");
      var workflows = cp.as(WorkflowServiceGrpc.newBlockingStub(cp.channel), admin);
      var deployments = cp.as(DeploymentServiceGrpc.newBlockingStub(cp.channel), admin);
      await().atMost(Duration.ofSeconds(20)).until(gateway::registered);

      workflows.createWorkflow(
          CreateWorkflowRequest.newBuilder()
              .setWorkflow(Workflow.newBuilder().setId("hello").setDescription("Greets someone"))
              .build());
      workflows.createWorkflowVersion(version("Hello"));
      String key =
          cp.as(ApiKeyServiceGrpc.newBlockingStub(cp.channel), admin)
              .createApiKey(CreateApiKeyRequest.newBuilder().setDisplayName("app").build())
              .getSecret();

      Deployment v1 =
          deployments
              .createDeployment(
                  CreateDeploymentRequest.newBuilder()
                      .setWorkflowId("hello")
                      .setVersion(1)
                      .setEnvironment(Environment.ENVIRONMENT_DEV)
                      .build())
              .getDeployment();
      assertThat(v1.getGatewaysList()).hasSize(1);
      ControlPlaneHarness.awaitActive(deployments, v1.getId());

      // grpc-java, with the API key
      var onGateway = cp.as(ExecutionServiceGrpc.newBlockingStub(toGateway), key);
      var response =
          onGateway.execute(
              ExecuteRequest.newBuilder()
                  .setWorkflow("hello")
                  .setInput(struct("{\"name\":\"Ada\"}"))
                  .build());
      assertThat(response.getOutput()).isEqualTo(struct("{\"greeting\":\"Hello, Ada!\"}"));

      // REST
      var rest =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:" + gateway.port() + "/v1/workflows/hello:execute"))
                  .header("authorization", "Bearer " + key)
                  .header("content-type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"input\": {\"name\": \"Rest\"}}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(rest.statusCode()).isEqualTo(200);
      assertThat(rest.body()).contains("\"greeting\":\"Hello, Rest!\"");

      // gRPC-Web, as a browser speaks it
      var web =
          GrpcClients.builder("http://127.0.0.1:" + gateway.port())
              .serializationFormat(GrpcSerializationFormats.PROTO_WEB)
              .auth(AuthToken.ofOAuth2(key))
              .build(ExecutionServiceGrpc.ExecutionServiceBlockingStub.class);
      assertThat(
              web.execute(
                      ExecuteRequest.newBuilder()
                          .setWorkflow("hello")
                          .setInput(struct("{\"name\":\"Web\"}"))
                          .build())
                  .getOutput())
          .isEqualTo(struct("{\"greeting\":\"Hello, Web!\"}"));

      // Watch the events of an execution
      List<ExecutionEvent> events = new ArrayList<>();
      onGateway
          .watchExecution(
              WatchExecutionRequest.newBuilder().setId(response.getExecutionId()).build())
          .forEachRemaining(r -> events.add(r.getEvent()));
      assertThat(events.get(events.size() - 1).hasExecutionCompleted()).isTrue();

      // Wrong planes and other organisations
      assertThat(
              codeOf(
                  () ->
                      cp.as(ExecutionServiceGrpc.newBlockingStub(toGateway), admin)
                          .execute(
                              ExecuteRequest.newBuilder()
                                  .setWorkflow("hello")
                                  .setInput(struct("{\"name\":\"x\"}"))
                                  .build())))
          .isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(
              codeOf(
                  () ->
                      cp.as(WorkflowServiceGrpc.newBlockingStub(cp.channel), key)
                          .getWorkflow(
                              io.nexusmesh.api.controlplane.v1.GetWorkflowRequest.newBuilder()
                                  .setId("hello")
                                  .build())))
          .isEqualTo(Status.Code.UNAUTHENTICATED);
      String otherOrgToken =
          cp.issuer.mint(TokenRequest.user("eve", "other-org", Audiences.GATEWAY, "admin"));
      assertThat(
              codeOf(
                  () ->
                      cp.as(ExecutionServiceGrpc.newBlockingStub(toGateway), otherOrgToken)
                          .execute(
                              ExecuteRequest.newBuilder()
                                  .setWorkflow("hello")
                                  .setInput(struct("{\"name\":\"x\"}"))
                                  .build())))
          .isEqualTo(Status.Code.NOT_FOUND);

      // A key created after the deployment reaches the gateway too.
      String laterKey =
          cp.as(ApiKeyServiceGrpc.newBlockingStub(cp.channel), admin)
              .createApiKey(CreateApiKeyRequest.newBuilder().setDisplayName("later").build())
              .getSecret();
      await()
          .atMost(Duration.ofSeconds(10))
          .ignoreExceptions()
          .until(
              () ->
                  cp.as(ExecutionServiceGrpc.newBlockingStub(toGateway), laterKey)
                      .execute(
                          ExecuteRequest.newBuilder()
                              .setWorkflow("hello")
                              .setInput(struct("{\"name\":\"K\"}"))
                              .build())
                      .hasOutput());

      // Version 2, watched until it is active; then a rollback to version 1.
      workflows.createWorkflowVersion(version("Howdy"));
      var watch =
          cp.as(DeploymentServiceGrpc.newBlockingStub(cp.channel), admin)
              .watchDeployments(
                  WatchDeploymentsRequest.newBuilder().setWorkflowId("hello").build());
      // The watch opens with what is current (v1): once that arrives it is subscribed, and no
      // change made after can slip past it.
      assertThat(watch.next().getDeployment().getId()).isEqualTo(v1.getId());
      Deployment v2 =
          deployments
              .createDeployment(
                  CreateDeploymentRequest.newBuilder()
                      .setWorkflowId("hello")
                      .setVersion(2)
                      .setEnvironment(Environment.ENVIRONMENT_DEV)
                      .build())
              .getDeployment();
      assertThat(v2.getPreviousVersion()).isEqualTo(1);
      boolean sawActive = false;
      boolean sawSuperseded = false;
      while (!(sawActive && sawSuperseded) && watch.hasNext()) {
        Deployment seen = watch.next().getDeployment();
        sawActive |=
            seen.getId().equals(v2.getId()) && seen.getState() == RolloutState.ROLLOUT_STATE_ACTIVE;
        // Watchers also hear that the deployment v2 replaced is superseded.
        sawSuperseded |=
            seen.getId().equals(v1.getId())
                && seen.getState() == RolloutState.ROLLOUT_STATE_SUPERSEDED;
      }
      assertThat(sawActive).isTrue();
      assertThat(sawSuperseded).isTrue();
      assertThat(
              deployments
                  .getDeployment(GetDeploymentRequest.newBuilder().setId(v1.getId()).build())
                  .getDeployment()
                  .getState())
          .isEqualTo(RolloutState.ROLLOUT_STATE_SUPERSEDED);
      assertThat(greet(onGateway, "Bo")).isEqualTo("Howdy, Bo!");

      Deployment back =
          deployments
              .rollbackDeployment(RollbackDeploymentRequest.newBuilder().setId(v2.getId()).build())
              .getDeployment();
      assertThat(back.getVersion()).isEqualTo(1);
      ControlPlaneHarness.awaitActive(deployments, back.getId());
      assertThat(greet(onGateway, "Bo")).isEqualTo("Hello, Bo!");

      // Promotion to staging, where no gateway serves yet; a staging gateway that registers later
      // is reconciled to it.
      Deployment staging =
          deployments
              .promoteDeployment(PromoteDeploymentRequest.newBuilder().setId(back.getId()).build())
              .getDeployment();
      assertThat(staging.getEnvironment()).isEqualTo(Environment.ENVIRONMENT_STAGING);
      assertThat(staging.getState()).isEqualTo(RolloutState.ROLLOUT_STATE_PENDING);
      late =
          startGateway(
              cp,
              redis,
              "gw-e2e-staging-" + UUID.randomUUID().toString().substring(0, 6),
              "staging");
      ControlPlaneHarness.awaitActive(deployments, staging.getId());
      assertThat(late.deployments().find(ORG, "hello")).isPresent();

      // Every change was audited.
      var audit =
          cp.as(AuditServiceGrpc.newBlockingStub(cp.channel), admin)
              .listAuditEvents(ListAuditEventsRequest.getDefaultInstance())
              .getAuditEventsList();
      assertThat(audit)
          .extracting(e -> e.getAction().substring(e.getAction().lastIndexOf('/') + 1))
          .contains("CreateDeployment", "RollbackDeployment", "PromoteDeployment");

      // Usage reaches the control plane with heartbeats.
      JdbcClient jdbc = cp.context.getBean(JdbcClient.class);
      await()
          .atMost(Duration.ofSeconds(15))
          .until(
              () ->
                  jdbc.sql(
                              "SELECT COALESCE(SUM(executions), 0) FROM usage_records WHERE org = ? AND workflow_id = 'hello'")
                          .param(ORG)
                          .query(Long.class)
                          .single()
                      >= 5);

      // The control plane goes away; the gateway keeps serving what is deployed.
      cp.close();
      assertThat(greet(onGateway, "Solo")).isEqualTo("Hello, Solo!");
    } finally {
      toGateway.shutdownNow();
      gateway.close();
      if (late != null) {
        late.close();
      }
      cp.close();
    }
  }

  private static String greet(ExecutionServiceGrpc.ExecutionServiceBlockingStub stub, String name) {
    return stub.execute(
            ExecuteRequest.newBuilder()
                .setWorkflow("hello")
                .setInput(struct("{\"name\":\"" + name + "\"}"))
                .build())
        .getOutput()
        .getFieldsOrThrow("greeting")
        .getStringValue();
  }

  private static CreateWorkflowVersionRequest version(String salutation) throws Exception {
    WorkflowSpec.Builder spec = WorkflowSpec.newBuilder();
    JsonFormat.parser().merge(SPEC.formatted(salutation), spec);
    return CreateWorkflowVersionRequest.newBuilder().setWorkflowId("hello").setSpec(spec).build();
  }

  private static Struct struct(String json) {
    Struct.Builder struct = Struct.newBuilder();
    try {
      JsonFormat.parser().merge(json, struct);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(e);
    }
    return struct.build();
  }

  private static Gateway startGateway(
      ControlPlaneHarness cp, RedisEndpoint redis, String id, String... environment) {
    return cp.startGateway(redis, ORG, id, environment.length == 0 ? "dev" : environment[0], true);
  }
}
