package io.nexusmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.api.gateway.v1.GetExecutionRequest;
import io.nexusmesh.api.gateway.v1.StartExecutionRequest;
import io.nexusmesh.api.workflow.v1.ExecutionMode;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.gateway.durable.ExecutionStore;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisson.Redisson;
import org.redisson.config.Config;

/**
 * A gateway that dies between creating a durable execution and claiming its request id leaves an
 * orphan nobody was ever told about, while the caller's retry on another gateway starts (and
 * claims) a new one. Recovery must discard the orphan rather than run the request twice.
 */
@ExtendWith(RedisExtension.class)
class OrphanedRequestTest {
  private static final String SPEC =
      """
      {"nodes": [{"id": "t", "transform": {"expression": "{'ran': true}"}}]}""";

  @Test
  void anOrphanWhoseRequestIdWasClaimedElsewhereIsDiscardedNotResumed(RedisEndpoint redis)
      throws Exception {
    Config config = new Config();
    config.useSingleServer().setAddress(redis.uri());
    var client = Redisson.create(config);
    try (var gateway = GatewayHarness.start(redis)) {
      String org = GatewayHarness.newOrg();
      gateway.deploy(org, "once", SPEC);
      String requestId = "retry-" + UUID.randomUUID();

      // What the dying gateway left: a running execution with a short lease, its id unclaimed.
      String orphanId = "orphan" + UUID.randomUUID().toString().replace("-", "");
      WorkflowSpec.Builder spec = WorkflowSpec.newBuilder();
      JsonFormat.parser().merge(SPEC, spec);
      Execution orphan =
          Execution.newBuilder()
              .setName("executions/" + orphanId)
              .setId(orphanId)
              .setWorkflowId("once")
              .setWorkflowVersion(1)
              .setStatus(ExecutionStatus.EXECUTION_STATUS_RUNNING)
              .setMode(ExecutionMode.EXECUTION_MODE_DURABLE)
              .setCreateTime(Timestamps.fromMillis(System.currentTimeMillis()))
              .build();
      new ExecutionStore(client, GatewayHarness.payloads())
          .create(
              new ExecutionStore.Stored(
                  orphan, org, spec.build(), System.currentTimeMillis() + 60_000, null),
              true,
              "dead-gateway",
              Duration.ofMillis(300),
              requestId);

      // The caller's retry with the same request id.
      var stub = gateway.executions(org);
      Execution retried =
          stub.startExecution(
                  StartExecutionRequest.newBuilder()
                      .setWorkflow("once")
                      .setRequestId(requestId)
                      .build())
              .getExecution();
      assertThat(retried.getId()).isNotEqualTo(orphanId);

      // Once the orphan's lease lapses, recovery finds it and drops it.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  GatewayHarness.codeOf(
                          () ->
                              stub.getExecution(
                                  GetExecutionRequest.newBuilder().setId(orphanId).build()))
                      == Status.Code.NOT_FOUND);
      assertThat(
              stub.getExecution(GetExecutionRequest.newBuilder().setId(retried.getId()).build())
                  .getExecution()
                  .getStatus())
          .isEqualTo(ExecutionStatus.EXECUTION_STATUS_SUCCEEDED);
    } finally {
      client.shutdown();
    }
  }
}
