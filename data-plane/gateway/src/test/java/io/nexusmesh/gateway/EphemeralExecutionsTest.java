package io.nexusmesh.gateway;

import static io.nexusmesh.gateway.GatewayHarness.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecuteResponse;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.api.gateway.v1.GetExecutionRequest;
import io.nexusmesh.api.gateway.v1.ListExecutionsRequest;
import io.nexusmesh.api.workflow.v1.ExecutionMode;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * EPHEMERAL executions never touch Redis while they run, and their records are written behind in
 * batches: whether they run on the caller's thread (compute-only workflows) or on their own (any
 * other node kind), every ended one becomes readable and listable on every gateway.
 */
@ExtendWith(RedisExtension.class)
class EphemeralExecutionsTest {
  @Test
  void endedRecordsReachEveryGateway(RedisEndpoint redis) throws Exception {
    try (var a = GatewayHarness.start(redis);
        var b = GatewayHarness.start(redis)) {
      String org = GatewayHarness.newOrg();
      String computeOnly =
          """
          {"nodes": [
             {"id": "route", "branch": {"cases": [{"condition": "input.n > 20.0", "target": "big"}], "defaultTarget": "small"}},
             {"id": "big", "transform": {"expression": "'big'"}},
             {"id": "small", "transform": {"expression": "'small'"}},
             {"id": "done", "transform": {"expression": "{'n': input.n, 'size': has(nodes.big) ? nodes.big : nodes.small}"}}],
           "entry": "route",
           "edges": [{"from": "big", "to": "done"}, {"from": "small", "to": "done"}],
           "mode": "EXECUTION_MODE_EPHEMERAL"}""";
      String waits =
          """
          {"nodes": [{"id": "nap", "wait": {"timer": "0.01s"}},
                     {"id": "done", "transform": {"expression": "{'n': input.n}"}}],
           "edges": [{"from": "nap", "to": "done"}],
           "mode": "EXECUTION_MODE_EPHEMERAL"}""";
      a.deploy(org, "sizes", computeOnly);
      a.deploy(org, "napper", waits);
      b.deploy(org, "sizes", computeOnly);
      String key = a.apiKey(org);
      var onA = GatewayHarness.as(ExecutionServiceGrpc.newBlockingStub(a.channel), key);
      var onB = GatewayHarness.as(ExecutionServiceGrpc.newBlockingStub(b.channel), key);

      List<ExecuteResponse> responses;
      try (var callers = Executors.newFixedThreadPool(8)) {
        List<Future<ExecuteResponse>> calls =
            IntStream.range(0, 40)
                .mapToObj(
                    n ->
                        callers.submit(
                            () ->
                                onA.execute(
                                    ExecuteRequest.newBuilder()
                                        .setWorkflow(n % 4 == 0 ? "napper" : "sizes")
                                        .setInput(json("{\"n\": " + n + "}"))
                                        .build())))
                .toList();
        responses = calls.stream().map(EphemeralExecutionsTest::join).toList();
      }
      assertThat(responses)
          .allSatisfy(
              r -> assertThat(r.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_SUCCEEDED));
      assertThat(responses.get(3).getOutput()).isEqualTo(json("{\"n\": 3, \"size\": \"small\"}"));

      for (ExecuteResponse response : responses) {
        Execution stored =
            await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> find(onB, response.getExecutionId()), e -> e != null);
        assertThat(stored.getMode()).isEqualTo(ExecutionMode.EXECUTION_MODE_EPHEMERAL);
        assertThat(stored.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_SUCCEEDED);
        assertThat(stored.getOutput()).isEqualTo(response.getOutput());
      }
      var listed =
          onB
              .listExecutions(ListExecutionsRequest.newBuilder().setPageSize(100).build())
              .getExecutionsList()
              .stream()
              .map(Execution::getId)
              .toList();
      assertThat(listed)
          .containsExactlyInAnyOrderElementsOf(
              responses.stream().map(ExecuteResponse::getExecutionId).toList());
    }
  }

  private static Execution find(ExecutionServiceGrpc.ExecutionServiceBlockingStub stub, String id) {
    try {
      return stub.getExecution(GetExecutionRequest.newBuilder().setId(id).build()).getExecution();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return null;
      }
      throw e;
    }
  }

  private static <T> T join(Future<T> future) {
    try {
      return future.get();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
