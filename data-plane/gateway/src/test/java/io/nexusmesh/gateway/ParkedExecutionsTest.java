package io.nexusmesh.gateway;

import static io.nexusmesh.gateway.GatewayHarness.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.linecorp.armeria.client.WebClient;
import io.nexusmesh.api.gateway.v1.CancelExecutionRequest;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecuteResponse;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.api.gateway.v1.GetExecutionRequest;
import io.nexusmesh.api.gateway.v1.SignalExecutionRequest;
import io.nexusmesh.api.gateway.v1.StartExecutionRequest;
import io.nexusmesh.gateway.durable.Executions;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * Durable executions that wait are parked in Redis: two real gateways on one real Redis; waiting
 * executions leave no run in either gateway's memory (their {@code /metrics}), and a signal, a
 * timer, a cancellation or a signal's timeout wakes them on whichever gateway sees it first.
 */
@ExtendWith(RedisExtension.class)
class ParkedExecutionsTest {
  private static final String APPROVAL =
      """
      {"nodes": [{"id": "approve", "wait": {"signal": {"name": "approved"}}},
                 {"id": "after", "transform": {"expression": "{'by': nodes.approve.by}"}}],
       "edges": [{"from": "approve", "to": "after"}]}""";

  static GatewayHarness first;
  static GatewayHarness second;
  static RedissonClient redis;
  static String org;

  @BeforeAll
  static void start(RedisEndpoint endpoint) {
    first = GatewayHarness.start(endpoint);
    second = GatewayHarness.start(endpoint);
    org = GatewayHarness.newOrg();
    for (GatewayHarness gateway : List.of(first, second)) {
      gateway.deploy(org, "approval", APPROVAL);
      gateway.deploy(
          org,
          "nap",
          """
          {"nodes": [{"id": "nap", "wait": {"timer": "1.5s"}},
                     {"id": "after", "transform": {"expression": "'rested'"}}],
           "edges": [{"from": "nap", "to": "after"}]}""");
      gateway.deploy(
          org,
          "impatient",
          """
          {"nodes": [{"id": "approve", "wait": {"signal": {"name": "approved", "timeout": "1.2s"}}}]}""");
    }
    Config config = new Config();
    config.useSingleServer().setAddress(endpoint.uri());
    redis = Redisson.create(config);
  }

  @AfterAll
  static void stop() throws Exception {
    redis.shutdown();
    second.close();
    first.close();
  }

  @Test
  void waitingExecutionsHoldNoMemoryAndASignalOnAnotherGatewayResumesThem() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      ids.add(start(first, "approval"));
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(parked(ids)).isEqualTo(ids.size());
              assertThat(inMemory(first)).isZero();
            });
    for (String id : ids) {
      assertThat(get(second, id).getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_RUNNING);
    }

    // Signalled through the other gateway, which claims and resumes them.
    for (int i = 0; i < ids.size(); i++) {
      signal(second, ids.get(i), "{\"by\": \"approver-" + i + "\"}");
    }
    for (int i = 0; i < ids.size(); i++) {
      Execution done = awaitEnd(first, ids.get(i));
      assertThat(done.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_SUCCEEDED);
      assertThat(done.getOutput()).isEqualTo(json("{\"by\": \"approver-" + i + "\"}"));
    }
    assertThat(parked(ids)).isZero();
    await().untilAsserted(() -> assertThat(inMemory(second)).isZero());
  }

  @Test
  void aSecondSignalOfTheSameNameChangesNothing() {
    String id = start(first, "approval");
    await().until(() -> parked(List.of(id)) == 1);
    signal(first, id, "{\"by\": \"first\"}");
    assertThat(awaitEnd(second, id).getOutput()).isEqualTo(json("{\"by\": \"first\"}"));
    var error = GatewayHarness.codeOf(() -> signal(second, id, "{\"by\": \"second\"}"));
    assertThat(error).isEqualTo(io.grpc.Status.Code.FAILED_PRECONDITION);
  }

  @Test
  void aParkedTimerWakesOnAnyGatewayWhenDue() {
    String id = start(first, "nap");
    await().until(() -> parked(List.of(id)) == 1);
    assertThat(inMemory(first)).isZero();
    Execution done = awaitEnd(second, id);
    assertThat(done.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_SUCCEEDED);
    assertThat(done.getOutput().getFieldsOrThrow("value").getStringValue()).isEqualTo("rested");
    long slept =
        com.google.protobuf.util.Timestamps.toMillis(done.getEndTime())
            - com.google.protobuf.util.Timestamps.toMillis(done.getCreateTime());
    assertThat(slept).isGreaterThanOrEqualTo(1500);
  }

  @Test
  void cancellingAParkedExecutionEndsItCancelled() {
    String id = start(first, "approval");
    await().until(() -> parked(List.of(id)) == 1);
    second
        .executions(org)
        .cancelExecution(CancelExecutionRequest.newBuilder().setId(id).setReason("no").build());
    Execution done = awaitEnd(first, id);
    assertThat(done.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_CANCELLED);
    assertThat(done.getError().getMessage()).contains("no");
    assertThat(parked(List.of(id))).isZero();
  }

  @Test
  void aParkedSignalWaitTimesOut() {
    String id = start(first, "impatient");
    await().until(() -> parked(List.of(id)) == 1);
    Execution done = awaitEnd(second, id);
    assertThat(done.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_FAILED);
    assertThat(done.getError().getMessage()).contains("did not arrive in time");
  }

  @Test
  void executeWaitingOnAParkedRunGetsItsOutputWhenAnotherGatewayEndsIt() throws Exception {
    var answer =
        CompletableFuture.supplyAsync(
            () ->
                first
                    .executions(org)
                    .execute(ExecuteRequest.newBuilder().setWorkflow("approval").build()));
    String id =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> parkedIds().stream().filter(this::isOurs).findFirst(), o -> o.isPresent())
            .orElseThrow();
    signal(second, id, "{\"by\": \"dana\"}");
    ExecuteResponse response = answer.get(20, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(response.getExecutionId()).isEqualTo(id);
    assertThat(response.getOutput()).isEqualTo(json("{\"by\": \"dana\"}"));
  }

  @Test
  void aCallerThatComesToWaitAfterTheRunParkedStillGetsItsEnd() throws Exception {
    // As an MCP tools/call does: start, write the request id (a round trip, longer on a busy
    // machine), then wait. The run may park in between, before anyone waits.
    var deployment = first.gateway.deployments().find(org, "approval").orElseThrow();
    Executions.Started started =
        first
            .gateway
            .executions()
            .start(
                new Executions.NewExecution(
                    org, deployment, Struct.getDefaultInstance(), "", "", execution -> {}));
    String id = started.execution().getId();
    await().atMost(Duration.ofSeconds(10)).until(() -> parkedIds().contains(id));
    CompletableFuture<Execution> end = started.completion();
    signal(second, id, "{\"by\": \"erin\"}");
    Execution ended = end.get(20, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(ended.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_SUCCEEDED);
    assertThat(ended.getOutput()).isEqualTo(json("{\"by\": \"erin\"}"));
  }

  // ---- helpers ----

  private boolean isOurs(String id) {
    return first
        .gateway
        .executions()
        .get(org, id)
        .filter(e -> e.getWorkflowId().equals("approval"))
        .isPresent();
  }

  private static String start(GatewayHarness gateway, String workflow) {
    return gateway
        .executions(org)
        .startExecution(StartExecutionRequest.newBuilder().setWorkflow(workflow).build())
        .getExecution()
        .getId();
  }

  private static void signal(GatewayHarness gateway, String id, String payload) {
    gateway
        .executions(org)
        .signalExecution(
            SignalExecutionRequest.newBuilder()
                .setId(id)
                .setSignal("approved")
                .setPayload(json(payload))
                .build());
  }

  private static Execution get(GatewayHarness gateway, String id) {
    return gateway
        .executions(org)
        .getExecution(GetExecutionRequest.newBuilder().setId(id).build())
        .getExecution();
  }

  private static Execution awaitEnd(GatewayHarness gateway, String id) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> get(gateway, id), e -> e.getStatus() != ExecutionStatus.EXECUTION_STATUS_RUNNING);
  }

  private static List<String> parkedIds() {
    return new ArrayList<>(
        redis.<String>getScoredSortedSet("nx:parked", StringCodec.INSTANCE).readAll());
  }

  private static long parked(List<String> ids) {
    List<String> all = parkedIds();
    return ids.stream().filter(all::contains).count();
  }

  /** The gateway's {@code nexus_executions_in_memory}, as Prometheus scrapes it. */
  private static long inMemory(GatewayHarness gateway) {
    String metrics = WebClient.of(gateway.baseUrl()).blocking().get("/metrics").contentUtf8();
    Matcher value =
        Pattern.compile("(?m)^nexus_executions_in_memory(?:\\{[^}]*})? ([0-9.eE+]+)$")
            .matcher(metrics);
    if (!value.find()) {
      throw new AssertionError("no nexus_executions_in_memory in /metrics:\n" + metrics);
    }
    return (long) Double.parseDouble(value.group(1));
  }
}
