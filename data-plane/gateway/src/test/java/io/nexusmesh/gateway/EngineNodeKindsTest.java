package io.nexusmesh.gateway;

import static io.nexusmesh.gateway.GatewayHarness.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.testing.junit5.server.ServerExtension;
import io.grpc.Status;
import io.nexusmesh.api.gateway.v1.CancelExecutionRequest;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecuteResponse;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.api.gateway.v1.GetExecutionRequest;
import io.nexusmesh.api.gateway.v1.SignalExecutionRequest;
import io.nexusmesh.api.gateway.v1.StartExecutionRequest;
import io.nexusmesh.api.workflow.v1.ExecutionMode;
import io.nexusmesh.client.ErrorDetails;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every node kind of the engine, and its retries, timeouts, cancellation, signals and deadlines,
 * driven through a real gateway's gRPC API against a real Redis and a local HTTP server.
 */
@ExtendWith(RedisExtension.class)
class EngineNodeKindsTest {
  static final List<String> idempotencyKeys = new CopyOnWriteArrayList<>();
  static final Map<String, AtomicInteger> flakyCalls = new ConcurrentHashMap<>();

  @RegisterExtension
  static final ServerExtension downstream =
      new ServerExtension() {
        @Override
        protected void configure(ServerBuilder sb) {
          sb.service(
              "/echo",
              (ctx, req) ->
                  HttpResponse.of(
                      req.aggregate()
                          .thenApply(
                              agg -> {
                                idempotencyKeys.add(agg.headers().get("idempotency-key"));
                                return HttpResponse.of(
                                    HttpStatus.OK,
                                    MediaType.JSON_UTF_8,
                                    "{\"received\":"
                                        + (agg.contentUtf8().isEmpty() ? "null" : agg.contentUtf8())
                                        + ",\"key\":\""
                                        + agg.headers().get("idempotency-key")
                                        + "\"}");
                              })));
          // Fails twice per execution, then succeeds.
          sb.service(
              "/flaky",
              (ctx, req) -> {
                String key = req.headers().get("idempotency-key");
                String execution = key.substring(0, key.indexOf('/'));
                int n =
                    flakyCalls
                        .computeIfAbsent(execution, k -> new AtomicInteger())
                        .incrementAndGet();
                return n <= 2
                    ? HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE)
                    : HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, "{\"calls\":" + n + "}");
              });
          sb.service("/missing", (ctx, req) -> HttpResponse.of(HttpStatus.NOT_FOUND));
          sb.service(
              "/slow",
              (ctx, req) ->
                  HttpResponse.delayed(
                      HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, "{}"),
                      Duration.ofSeconds(3)));
        }
      };

  static GatewayHarness harness;
  static String org;

  @BeforeAll
  static void start(RedisEndpoint redis) {
    harness = GatewayHarness.start(redis);
    org = GatewayHarness.newOrg();
    harness.allowEgress(org, "127.0.0.1:" + downstream.httpPort());
  }

  @AfterAll
  static void stop() throws InterruptedException {
    harness.close();
  }

  private Struct execute(String workflow, String input) {
    ExecuteResponse response =
        harness
            .executions(org)
            .execute(
                ExecuteRequest.newBuilder().setWorkflow(workflow).setInput(json(input)).build());
    assertThat(response.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_SUCCEEDED);
    return response.getOutput();
  }

  @Test
  void transformComputesWithCel() {
    harness.deploy(
        org,
        "hello",
        """
        {"nodes": [{"id": "greet", "transform": {"expression": "{'greeting': 'Hello, ' + input.name + '!'}"}}]}""");
    assertThat(execute("hello", "{\"name\": \"Ada\"}"))
        .isEqualTo(json("{\"greeting\": \"Hello, Ada!\"}"));
  }

  @Test
  void edgesPassOutputsAlongAndOutputExpressionShapesTheResult() {
    harness.deploy(
        org,
        "chain",
        """
        {"nodes": [
           {"id": "a", "transform": {"expression": "input.x * 2.0"}},
           {"id": "b", "transform": {"expression": "nodes.a + 1.0"}}],
         "edges": [{"from": "a", "to": "b"}],
         "output": "{'a': nodes.a, 'b': nodes.b}"}""");
    assertThat(execute("chain", "{\"x\": 4}")).isEqualTo(json("{\"a\": 8, \"b\": 9}"));
  }

  @Test
  void httpSendsBodyAndIdempotencyKey() {
    harness.deploy(
        org,
        "call",
        """
        {"nodes": [{"id": "post", "http": {"method": "POST", "url": "%s/echo", "body": "{'who': input.name}"}}]}"""
            .formatted(downstream.httpUri()));
    ExecuteResponse response =
        harness
            .executions(org)
            .execute(
                ExecuteRequest.newBuilder()
                    .setWorkflow("call")
                    .setInput(json("{\"name\":\"Bo\"}"))
                    .build());
    assertThat(response.getOutput().getFieldsOrThrow("received"))
        .isEqualTo(
            com.google.protobuf.Value.newBuilder()
                .setStructValue(json("{\"who\":\"Bo\"}"))
                .build());
    assertThat(response.getOutput().getFieldsOrThrow("key").getStringValue())
        .isEqualTo(response.getExecutionId() + "/post/1");
  }

  @Test
  void transientHttpFailuresAreRetriedWithBackoffAndNewAttemptKeys() {
    harness.deploy(
        org,
        "flaky",
        """
        {"nodes": [{"id": "call", "http": {"url": "%s/flaky"},
                    "retry": {"maxAttempts": 5, "initialBackoff": "0.01s", "maxBackoff": "0.05s"}}]}"""
            .formatted(downstream.httpUri()));
    assertThat(execute("flaky", "{}")).isEqualTo(json("{\"calls\": 3}"));
  }

  @Test
  void permanentHttpFailureFailsTheExecutionWithoutRetries() {
    harness.deploy(
        org,
        "missing",
        """
        {"nodes": [{"id": "call", "http": {"url": "%s/missing"}, "retry": {"maxAttempts": 5}}]}"""
            .formatted(downstream.httpUri()));
    var error =
        catchThrowable(
            () ->
                harness
                    .executions(org)
                    .execute(ExecuteRequest.newBuilder().setWorkflow("missing").build()));
    ErrorDetails details = ErrorDetails.from(error);
    assertThat(details.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(details.message()).contains("FAILED").contains("404");
  }

  @Test
  void nodeTimeoutEndsASlowAttempt() {
    harness.deploy(
        org,
        "slow",
        """
        {"nodes": [{"id": "call", "http": {"url": "%s/slow"}, "timeout": "0.2s", "retry": {"maxAttempts": 1}}]}"""
            .formatted(downstream.httpUri()));
    var error =
        catchThrowable(
            () ->
                harness
                    .executions(org)
                    .execute(ExecuteRequest.newBuilder().setWorkflow("slow").build()));
    assertThat(ErrorDetails.from(error).message()).contains("did not answer in time");
  }

  @Test
  void branchTakesTheFirstMatchingCaseAndSkipsTheOthers() {
    harness.deploy(
        org,
        "branchy",
        """
        {"nodes": [
           {"id": "route", "branch": {"cases": [{"condition": "input.n > 10.0", "target": "big"}], "defaultTarget": "small"}},
           {"id": "big", "transform": {"expression": "'big'"}},
           {"id": "small", "transform": {"expression": "'small'"}},
           {"id": "done", "transform": {"expression": "{'size': has(nodes.big) ? nodes.big : nodes.small}"}}],
         "entry": "route",
         "edges": [{"from": "big", "to": "done"}, {"from": "small", "to": "done"}]}""");
    assertThat(execute("branchy", "{\"n\": 50}")).isEqualTo(json("{\"size\": \"big\"}"));
    assertThat(execute("branchy", "{\"n\": 5}")).isEqualTo(json("{\"size\": \"small\"}"));
  }

  @Test
  void parallelRunsBranchesAndJoinsTheirOutputs() {
    harness.deploy(
        org,
        "fan",
        """
        {"nodes": [{"id": "both", "parallel": {"branches": [
           {"name": "left", "nodes": [{"id": "l1", "transform": {"expression": "input.v + 'L'"}}]},
           {"name": "right", "nodes": [{"id": "r1", "transform": {"expression": "input.v + 'R'"}},
                                       {"id": "r2", "transform": {"expression": "nodes.r1 + '2'"}}]}]}}]}""");
    assertThat(execute("fan", "{\"v\": \"x\"}"))
        .isEqualTo(json("{\"left\": \"xL\", \"right\": \"xR2\"}"));
  }

  @Test
  void mapRunsTheBodyPerItemInOrder() {
    harness.deploy(
        org,
        "mapper",
        """
        {"nodes": [{"id": "each", "map": {"items": "input.items", "maxConcurrency": 2, "body": {"name": "body",
           "nodes": [{"id": "sq", "transform": {"expression": "{'i': index, 'v': item * item}"}}]}}}],
         "output": "{'results': nodes.each}"}""");
    assertThat(execute("mapper", "{\"items\": [1, 2, 3]}"))
        .isEqualTo(
            json(
                "{\"results\": [{\"i\": 0, \"v\": 1}, {\"i\": 1, \"v\": 4}, {\"i\": 2, \"v\": 9}]}"));
  }

  @Test
  void waitTimerDelaysTheNextNode() {
    harness.deploy(
        org,
        "timer",
        """
        {"nodes": [{"id": "pause", "wait": {"timer": "0.3s"}},
                   {"id": "after", "transform": {"expression": "{'fired': has(nodes.pause.firedAt)}"}}],
         "edges": [{"from": "pause", "to": "after"}]}""");
    long started = System.nanoTime();
    assertThat(execute("timer", "{}")).isEqualTo(json("{\"fired\": true}"));
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void waitSignalResumesWithTheSignalPayload() {
    harness.deploy(
        org,
        "approval",
        """
        {"nodes": [{"id": "approve", "wait": {"signal": {"name": "approved"}}},
                   {"id": "after", "transform": {"expression": "{'by': nodes.approve.by}"}}],
         "edges": [{"from": "approve", "to": "after"}]}""");
    var stub = harness.executions(org);
    Execution started =
        stub.startExecution(StartExecutionRequest.newBuilder().setWorkflow("approval").build())
            .getExecution();
    assertThat(started.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_RUNNING);
    stub.signalExecution(
        SignalExecutionRequest.newBuilder()
            .setId(started.getId())
            .setSignal("approved")
            .setPayload(json("{\"by\": \"carol\"}"))
            .build());
    Execution done = awaitEnd(started.getId());
    assertThat(done.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_SUCCEEDED);
    assertThat(done.getOutput()).isEqualTo(json("{\"by\": \"carol\"}"));
  }

  @Test
  void signalWaitTimesOut() {
    harness.deploy(
        org,
        "impatient",
        """
        {"nodes": [{"id": "approve", "wait": {"signal": {"name": "approved", "timeout": "0.2s"}}}]}""");
    var error =
        catchThrowable(
            () ->
                harness
                    .executions(org)
                    .execute(ExecuteRequest.newBuilder().setWorkflow("impatient").build()));
    assertThat(ErrorDetails.from(error).message()).contains("did not arrive in time");
  }

  @Test
  void subWorkflowRunsAnotherDeployedWorkflow() {
    harness.deploy(
        org,
        "child",
        """
        {"nodes": [{"id": "up", "transform": {"expression": "{'shout': input.word + '!'}"}}]}""");
    harness.deploy(
        org,
        "parent",
        """
        {"nodes": [{"id": "call", "subWorkflow": {"workflow": "child", "input": "{'word': input.w}"}}],
         "output": "{'child': nodes.call.shout}"}""");
    assertThat(execute("parent", "{\"w\": \"hey\"}")).isEqualTo(json("{\"child\": \"hey!\"}"));
  }

  @Test
  void cancelStopsAWaitingExecution() {
    harness.deploy(
        org,
        "forever",
        """
        {"nodes": [{"id": "hold", "wait": {"signal": {"name": "never"}}}]}""");
    var stub = harness.executions(org);
    Execution started =
        stub.startExecution(StartExecutionRequest.newBuilder().setWorkflow("forever").build())
            .getExecution();
    stub.cancelExecution(
        CancelExecutionRequest.newBuilder()
            .setId(started.getId())
            .setReason("changed my mind")
            .build());
    Execution done = awaitEnd(started.getId());
    assertThat(done.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_CANCELLED);
    assertThat(done.getError().getMessage()).contains("changed my mind");
  }

  @Test
  void executionTimeoutEndsTheRunTimedOut() {
    harness.deploy(
        org,
        "late",
        """
        {"nodes": [{"id": "hold", "wait": {"timer": "60s"}}], "executionTimeout": "0.3s"}""");
    var stub = harness.executions(org);
    Execution started =
        stub.startExecution(StartExecutionRequest.newBuilder().setWorkflow("late").build())
            .getExecution();
    Execution done = awaitEnd(started.getId());
    assertThat(done.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_TIMED_OUT);
  }

  @Test
  void ephemeralWorkflowsSayWhichTheyWere() {
    harness.deploy(
        org,
        "quick",
        """
        {"nodes": [{"id": "t", "transform": {"expression": "{'ok': true}"}}], "mode": "EXECUTION_MODE_EPHEMERAL"}""");
    ExecuteResponse response =
        harness.executions(org).execute(ExecuteRequest.newBuilder().setWorkflow("quick").build());
    assertThat(response.getOutput()).isEqualTo(json("{\"ok\": true}"));
    Execution stored = await().until(() -> find(response.getExecutionId()), e -> e != null);
    assertThat(stored.getMode()).isEqualTo(ExecutionMode.EXECUTION_MODE_EPHEMERAL);
    assertThat(stored.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_SUCCEEDED);
  }

  @Test
  void durableIsTheDefault() {
    harness.deploy(
        org,
        "durable",
        """
        {"nodes": [{"id": "t", "transform": {"expression": "{'ok': true}"}}]}""");
    ExecuteResponse response =
        harness.executions(org).execute(ExecuteRequest.newBuilder().setWorkflow("durable").build());
    assertThat(find(response.getExecutionId()).getMode())
        .isEqualTo(ExecutionMode.EXECUTION_MODE_DURABLE);
  }

  @Test
  void aCelErrorFailsTheExecutionClearly() {
    harness.deploy(
        org,
        "broken",
        """
        {"nodes": [{"id": "t", "transform": {"expression": "input.nope.deeper"}}]}""");
    var error =
        catchThrowable(
            () ->
                harness
                    .executions(org)
                    .execute(ExecuteRequest.newBuilder().setWorkflow("broken").build()));
    assertThat(ErrorDetails.from(error).code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(ErrorDetails.from(error).message()).contains("CEL");
  }

  private Execution find(String id) {
    try {
      return harness
          .executions(org)
          .getExecution(GetExecutionRequest.newBuilder().setId(id).build())
          .getExecution();
    } catch (io.grpc.StatusRuntimeException e) {
      return null;
    }
  }

  private Execution awaitEnd(String id) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> find(id),
            e -> e != null && e.getStatus() != ExecutionStatus.EXECUTION_STATUS_RUNNING);
  }
}
