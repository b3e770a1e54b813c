package io.nexusmesh.controlplane;

import static io.nexusmesh.controlplane.ControlPlaneHarness.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.nexusmesh.api.controlplane.v1.AbortCanaryRequest;
import io.nexusmesh.api.controlplane.v1.ApiKeyServiceGrpc;
import io.nexusmesh.api.controlplane.v1.AuditServiceGrpc;
import io.nexusmesh.api.controlplane.v1.CanaryPolicy;
import io.nexusmesh.api.controlplane.v1.CanaryState;
import io.nexusmesh.api.controlplane.v1.CreateApiKeyRequest;
import io.nexusmesh.api.controlplane.v1.CreateDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowVersionRequest;
import io.nexusmesh.api.controlplane.v1.Deployment;
import io.nexusmesh.api.controlplane.v1.DeploymentServiceGrpc;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.GetDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.ListAuditEventsRequest;
import io.nexusmesh.api.controlplane.v1.PromoteCanaryRequest;
import io.nexusmesh.api.controlplane.v1.RolloutState;
import io.nexusmesh.api.controlplane.v1.VersionStats;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.api.gateway.v1.CreateSessionRequest;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc.ExecutionServiceBlockingStub;
import io.nexusmesh.api.gateway.v1.GetExecutionRequest;
import io.nexusmesh.api.gateway.v1.SessionServiceGrpc;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.controlplane.deployment.CanaryGuard;
import io.nexusmesh.gateway.Gateway;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Canary deployments end to end: a control plane and two gateways of one environment; callers
 * execute over grpc-java with an API key while a canary splits their calls between two versions,
 * sessions staying on one side across both gateways; the figures the gateways report show up per
 * version in the deployment; promote, a manual abort, and the automatic abort of a failing canary,
 * each audited.
 *
 * <p>Start-up order: Redis (fixture), the control plane (H2, dev issuer, heartbeats every 300 ms so
 * usage arrives quickly), then two gateways that register with it.
 */
@ExtendWith(RedisExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CanaryDeploymentTest {
  private static final String ORG = "canary-org";
  // With 30% on the canary, all 30 sessions land on one side with probability 0.7^30 (2e-5).
  private static final int SESSIONS = 30;
  private static final int CALLS_PER_SESSION = 3;

  private ControlPlaneHarness cp;
  private Gateway first;
  private Gateway second;
  private ManagedChannel toFirst;
  private ManagedChannel toSecond;
  private DeploymentServiceGrpc.DeploymentServiceBlockingStub deployments;
  private WorkflowServiceGrpc.WorkflowServiceBlockingStub workflows;
  private String key;
  private long onVersion2;

  @BeforeAll
  void start(RedisEndpoint redis) throws Exception {
    cp = ControlPlaneHarness.start("nexus.control-plane.gateway-heartbeat-interval=300ms");
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    first = cp.startGateway(redis, ORG, "gw-canary-a-" + suffix, "dev", true);
    second = cp.startGateway(redis, ORG, "gw-canary-b-" + suffix, "dev", true);
    toFirst = NettyChannelBuilder.forAddress("127.0.0.1", first.port()).usePlaintext().build();
    toSecond = NettyChannelBuilder.forAddress("127.0.0.1", second.port()).usePlaintext().build();
    String admin = cp.token("ada", ORG, "admin");
    deployments = cp.as(DeploymentServiceGrpc.newBlockingStub(cp.channel), admin);
    workflows = cp.as(WorkflowServiceGrpc.newBlockingStub(cp.channel), admin);
    await().atMost(Duration.ofSeconds(20)).until(() -> first.registered() && second.registered());
    workflows.createWorkflow(
        CreateWorkflowRequest.newBuilder()
            .setWorkflow(Workflow.newBuilder().setId("greet").setDescription("Greets"))
            .build());
    version("{'greeting': 'Hello, ' + input.name}"); // 1
    version("{'greeting': 'Howdy, ' + input.name}"); // 2
    version("{'greeting': 'Hi, ' + input.name + input.missing}"); // 3: fails at run time
    key =
        cp.as(ApiKeyServiceGrpc.newBlockingStub(cp.channel), admin)
            .createApiKey(CreateApiKeyRequest.newBuilder().setDisplayName("app").build())
            .getSecret();
  }

  @AfterAll
  void stop() throws Exception {
    toFirst.shutdownNow();
    toSecond.shutdownNow();
    first.close();
    second.close();
    cp.close();
  }

  @Test
  void aCanarySplitsCallsStickilyIsMeasuredPromotedAndAborted() {
    // A canary needs a deployment to compare against.
    assertThat(codeOf(() -> deploy(2, canary(30, 0, 0))))
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    Deployment v1 = deploy(1, CanaryPolicy.getDefaultInstance());
    ControlPlaneHarness.awaitActive(deployments, v1.getId());
    assertThat(codeOf(() -> deploy(1, canary(30, 0, 0))))
        .isEqualTo(Status.Code.FAILED_PRECONDITION);

    Deployment canary = deploy(2, canary(30, 0, 0));
    assertThat(canary.getCanary().getState()).isEqualTo(CanaryState.CANARY_STATE_RUNNING);
    assertThat(canary.getCanary().getBaselineVersion()).isEqualTo(1);
    ControlPlaneHarness.awaitActive(deployments, canary.getId());
    // A second canary waits for the first to end.
    assertThat(codeOf(() -> deploy(1, canary(10, 0, 0))))
        .isEqualTo(Status.Code.FAILED_PRECONDITION);

    // Calls without a session or request id are spread: about 30% greet with version 2.
    int howdy = 0;
    int calls = 200;
    for (int i = 0; i < calls; i++) {
      howdy += greet(i % 2 == 0 ? toFirst : toSecond, "", "").startsWith("Howdy") ? 1 : 0;
    }
    assertThat(howdy).isBetween(calls * 15 / 100, calls * 45 / 100);

    // A session stays on one side, on either gateway; across sessions both sides appear.
    var sessions = cp.as(SessionServiceGrpc.newBlockingStub(toFirst), key);
    Set<String> sides = new HashSet<>();
    for (int s = 0; s < SESSIONS; s++) {
      String session =
          sessions.createSession(CreateSessionRequest.getDefaultInstance()).getSession().getId();
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < CALLS_PER_SESSION; i++) {
        seen.add(salutation(greet(i % 2 == 0 ? toFirst : toSecond, session, "")));
      }
      assertThat(seen).as("session %s", session).hasSize(1);
      sides.addAll(seen);
    }
    assertThat(sides).containsExactlyInAnyOrder("Hello", "Howdy");
    // So does a request id (the same execution, whichever gateway is asked).
    String requestId = "req-" + UUID.randomUUID();
    String once = greet(toFirst, "", requestId);
    assertThat(greet(toSecond, "", requestId)).isEqualTo(once);

    // The gateways' reports reach the deployment, per version (the repeated request is one).
    long total = calls + SESSIONS * CALLS_PER_SESSION + 1;
    long howdyCalls = onVersion2 - (once.startsWith("Howdy") ? 1 : 0);
    Deployment measured =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> get(canary.getId()),
                d ->
                    d.getCanary().getVersionsList().stream()
                            .mapToLong(VersionStats::getExecutions)
                            .sum()
                        >= total);
    List<VersionStats> versions = measured.getCanary().getVersionsList();
    assertThat(versions).extracting(VersionStats::getVersion).containsExactly(1L, 2L);
    assertThat(versions).allSatisfy(v -> assertThat(v.getExecutions()).isPositive());
    assertThat(versions).allSatisfy(v -> assertThat(v.getErrorRate()).isZero());
    assertThat(versions)
        .allSatisfy(
            v ->
                assertThat(v.getP99Latency().getNanos() + v.getP99Latency().getSeconds())
                    .isPositive());
    assertThat(versions.get(1).getExecutions()).isEqualTo(howdyCalls);
    assertThat(versions.get(0).getExecutions()).isEqualTo(total - howdyCalls);

    // Promote: every call runs version 2, on a new deployment that replaced the canary.
    Deployment promoted =
        deployments
            .promoteCanary(PromoteCanaryRequest.newBuilder().setId(canary.getId()).build())
            .getDeployment();
    assertThat(promoted.getVersion()).isEqualTo(2);
    assertThat(promoted.hasCanary()).isFalse();
    ControlPlaneHarness.awaitActive(deployments, promoted.getId());
    Deployment ended = get(canary.getId());
    assertThat(ended.getState()).isEqualTo(RolloutState.ROLLOUT_STATE_SUPERSEDED);
    assertThat(ended.getCanary().getState()).isEqualTo(CanaryState.CANARY_STATE_PROMOTED);
    assertThat(ended.getCanary().getSuccessorDeploymentId()).isEqualTo(promoted.getId());
    for (int i = 0; i < 20; i++) {
      assertThat(greet(i % 2 == 0 ? toFirst : toSecond, "", "")).startsWith("Howdy");
    }
    assertThat(
            codeOf(
                () ->
                    deployments.promoteCanary(
                        PromoteCanaryRequest.newBuilder().setId(canary.getId()).build())))
        .isEqualTo(Status.Code.FAILED_PRECONDITION);

    // A manual abort puts every call back on the baseline, with the reason kept.
    Deployment toAbort = deploy(1, canary(10, 0, 0));
    ControlPlaneHarness.awaitActive(deployments, toAbort.getId());
    Deployment back =
        deployments
            .abortCanary(
                AbortCanaryRequest.newBuilder()
                    .setId(toAbort.getId())
                    .setReason("p99 looks worse")
                    .build())
            .getDeployment();
    assertThat(back.getVersion()).isEqualTo(2);
    ControlPlaneHarness.awaitActive(deployments, back.getId());
    assertThat(get(toAbort.getId()).getCanary().getReason())
        .isEqualTo("aborted by ada: p99 looks worse");
    for (int i = 0; i < 20; i++) {
      assertThat(greet(toFirst, "", "")).startsWith("Howdy");
    }

    // A failing canary is aborted by the guard once its error rate passes the bound.
    Deployment failing = deploy(3, canary(50, 0.2, 5));
    ControlPlaneHarness.awaitActive(deployments, failing.getId());
    Deployment aborted =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> {
                  for (int i = 0; i < 10; i++) {
                    tryGreet(i % 2 == 0 ? toFirst : toSecond);
                  }
                  return get(failing.getId());
                },
                d -> d.getCanary().getState() == CanaryState.CANARY_STATE_ABORTED);
    assertThat(aborted.getCanary().getReason()).startsWith("aborted automatically: error rate");
    Deployment restored = get(aborted.getCanary().getSuccessorDeploymentId());
    assertThat(restored.getVersion()).isEqualTo(2);
    ControlPlaneHarness.awaitActive(deployments, restored.getId());
    for (int i = 0; i < 20; i++) {
      assertThat(greet(i % 2 == 0 ? toFirst : toSecond, "", "")).startsWith("Howdy");
    }

    // Every change was audited, the guard's under its own name.
    var audit =
        cp.as(AuditServiceGrpc.newBlockingStub(cp.channel), cp.token("ada", ORG, "admin"))
            .listAuditEvents(ListAuditEventsRequest.getDefaultInstance())
            .getAuditEventsList();
    assertThat(audit)
        .extracting(e -> e.getAction().substring(e.getAction().lastIndexOf('/') + 1))
        .contains("PromoteCanary", "AbortCanary");
    assertThat(audit).anySatisfy(e -> assertThat(e.getActor()).isEqualTo(CanaryGuard.SUBJECT));
  }

  private static CanaryPolicy canary(int percent, double maxErrorRate, long minExecutions) {
    return CanaryPolicy.newBuilder()
        .setPercent(percent)
        .setMaxErrorRate(maxErrorRate)
        .setMinExecutions(minExecutions)
        .build();
  }

  private Deployment deploy(long version, CanaryPolicy canary) {
    var request =
        CreateDeploymentRequest.newBuilder()
            .setWorkflowId("greet")
            .setVersion(version)
            .setEnvironment(Environment.ENVIRONMENT_DEV);
    if (canary.getPercent() > 0) {
      request.setCanary(canary);
    }
    return deployments.createDeployment(request.build()).getDeployment();
  }

  private Deployment get(String id) {
    return deployments
        .getDeployment(GetDeploymentRequest.newBuilder().setId(id).build())
        .getDeployment();
  }

  private void version(String expression) throws Exception {
    WorkflowSpec.Builder spec = WorkflowSpec.newBuilder();
    JsonFormat.parser()
        .merge(
            "{\"nodes\": [{\"id\": \"greet\", \"transform\": {\"expression\": \""
                + expression
                + "\"}}]}",
            spec);
    workflows.createWorkflowVersion(
        CreateWorkflowVersionRequest.newBuilder().setWorkflowId("greet").setSpec(spec).build());
  }

  private String greet(ManagedChannel gateway, String sessionId, String requestId) {
    ExecutionServiceBlockingStub stub = cp.as(ExecutionServiceGrpc.newBlockingStub(gateway), key);
    var response =
        stub.execute(
            ExecuteRequest.newBuilder()
                .setWorkflow("greet")
                .setInput(
                    Struct.newBuilder()
                        .putFields("name", Value.newBuilder().setStringValue("Ada").build()))
                .setSessionId(sessionId)
                .setRequestId(requestId)
                .build());
    String greeting = response.getOutput().getFieldsOrThrow("greeting").getStringValue();
    // The execution records the version it ran.
    long version =
        stub.getExecution(GetExecutionRequest.newBuilder().setId(response.getExecutionId()).build())
            .getExecution()
            .getWorkflowVersion();
    if (version == 2) {
      onVersion2++;
    }
    assertThat(version).isEqualTo(greeting.startsWith("Howdy") ? 2 : 1);
    return greeting;
  }

  private void tryGreet(ManagedChannel gateway) {
    try {
      cp.as(ExecutionServiceGrpc.newBlockingStub(gateway), key)
          .execute(
              ExecuteRequest.newBuilder()
                  .setWorkflow("greet")
                  .setInput(
                      Struct.newBuilder()
                          .putFields("name", Value.newBuilder().setStringValue("Ada").build()))
                  .build());
    } catch (StatusRuntimeException failedOnTheCanary) {
      assertThat(failedOnTheCanary.getStatus().getCode()).isNotEqualTo(Status.Code.INTERNAL);
    }
  }

  private static String salutation(String greeting) {
    return greeting.substring(0, greeting.indexOf(','));
  }
}
