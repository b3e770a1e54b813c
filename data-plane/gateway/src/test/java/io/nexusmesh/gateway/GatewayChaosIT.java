package io.nexusmesh.gateway;

import static io.nexusmesh.gateway.GatewayHarness.as;
import static io.nexusmesh.gateway.GatewayHarness.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionEvent;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.api.gateway.v1.GetExecutionRequest;
import io.nexusmesh.api.gateway.v1.StartExecutionRequest;
import io.nexusmesh.api.gateway.v1.WatchExecutionRequest;
import io.nexusmesh.runtime.auth.ApiKeys;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The durability promise under a real crash: two gateway JVM processes share one Redis; 200
 * executions of a 5-step workflow (three of its steps call a local HTTP server that records every
 * {@code Idempotency-Key}) are started on both; one gateway is killed with SIGKILL midway. All 200
 * must complete; no step that completed runs again; a repeated side effect carries the same key.
 * The test prints how long the surviving gateway took to resume the dead one's executions.
 *
 * <p>Start-up order: Redis (fixture), the test's OIDC issuer, the recording HTTP server, then the
 * two gateway processes (each checked on {@code /health}), then deployments through each gateway's
 * admin service.
 */
@ExtendWith(RedisExtension.class)
class GatewayChaosIT {
  private static final int EXECUTIONS = 200;
  private static final String WORKFLOW =
      """
      {"nodes": [
         {"id": "s1", "transform": {"expression": "{'n': input.n}"}},
         {"id": "s2", "http": {"method": "POST", "url": "%1$s/side-effect", "body": "nodes.s1"}},
         {"id": "s3", "http": {"method": "POST", "url": "%1$s/side-effect", "body": "nodes.s1"}},
         {"id": "s4", "transform": {"expression": "{'n': nodes.s1.n, 'done': true}"}},
         {"id": "s5", "http": {"method": "POST", "url": "%1$s/side-effect", "body": "nodes.s4"}}],
       "edges": [{"from": "s1", "to": "s2"}, {"from": "s2", "to": "s3"}, {"from": "s3", "to": "s4"},
                 {"from": "s4", "to": "s5"}],
       "output": "nodes.s4"}""";

  /** Idempotency key -> times it was seen, and when each side effect happened. */
  private final Map<String, AtomicLong> sideEffects = new ConcurrentHashMap<>();

  private final List<long[]> calls = new CopyOnWriteArrayList<>();
  private final Map<String, String> executionOfKey = new ConcurrentHashMap<>();

  @Test
  void killingAGatewayMidwayLosesNoExecutionAndRepeatsNoCompletedStep(RedisEndpoint redis)
      throws Exception {
    List<String> keyLog = new CopyOnWriteArrayList<>();
    Server downstream =
        Server.builder()
            .http(0)
            .service(
                "/side-effect",
                (ctx, req) -> {
                  String key = req.headers().get("idempotency-key");
                  keyLog.add(key + " " + System.nanoTime());
                  sideEffects.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
                  return HttpResponse.delayed(
                      HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, "{\"ok\":true}"),
                      Duration.ofMillis(250));
                })
            .build();
    downstream.start().join();
    TestIssuer issuer = TestIssuer.shared();
    GatewayProcess a = GatewayProcess.start("gw-chaos-a", redis, issuer);
    GatewayProcess b = GatewayProcess.start("gw-chaos-b", redis, issuer);
    ManagedChannel toA =
        NettyChannelBuilder.forAddress("127.0.0.1", a.port()).usePlaintext().build();
    ManagedChannel toB =
        NettyChannelBuilder.forAddress("127.0.0.1", b.port()).usePlaintext().build();
    try {
      String org = GatewayHarness.newOrg();
      ApiKeys.NewKey key = ApiKeys.generate();
      String spec = WORKFLOW.formatted("http://127.0.0.1:" + downstream.activeLocalPort());
      String allow = "127.0.0.1:" + downstream.activeLocalPort();
      a.deploy(issuer, org, "five-steps", spec, key, allow);
      b.deploy(issuer, org, "five-steps", spec, key, allow);
      var onA = as(ExecutionServiceGrpc.newBlockingStub(toA), key.secret());
      var onB = as(ExecutionServiceGrpc.newBlockingStub(toB), key.secret());

      // Midway (once half of all side effects happened) gateway A gets SIGKILL, while executions
      // are still being started: the killer watches from its own thread.
      AtomicLong killedAtNanos = new AtomicLong();
      AtomicLong effectsAtKillCount = new AtomicLong();
      Thread killer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    await()
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(2))
                        .until(() -> sideEffects.size() >= EXECUTIONS * 3 / 2);
                    killedAtNanos.set(System.nanoTime());
                    effectsAtKillCount.set(sideEffects.size());
                    a.process().destroyForcibly();
                  });
      Set<String> startedOnA = ConcurrentHashMap.newKeySet();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < EXECUTIONS; i++) {
        var request =
            StartExecutionRequest.newBuilder()
                .setWorkflow("five-steps")
                .setInput(json("{\"n\": " + i + "}"))
                // The same request id on failover: if the dying gateway created the execution
                // before it answered, the retry joins it rather than starting a second one.
                .setRequestId("chaos-" + org + "-" + i)
                .build();
        Execution e;
        if (i % 2 == 0 && a.process().isAlive()) {
          try {
            e = onA.startExecution(request).getExecution();
            startedOnA.add(e.getId());
          } catch (io.grpc.StatusRuntimeException dead) {
            e = onB.startExecution(request).getExecution(); // A died: the caller fails over to B
          }
        } else {
          e = onB.startExecution(request).getExecution();
        }
        ids.add(e.getId());
      }
      killer.join(Duration.ofSeconds(70));
      assertThat(a.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
      long killedAt = killedAtNanos.get();
      long effectsAtKill = effectsAtKillCount.get();

      Map<String, Execution> done = new HashMap<>();
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () -> {
                for (String id : ids) {
                  if (!done.containsKey(id)) {
                    Execution e =
                        onB.getExecution(GetExecutionRequest.newBuilder().setId(id).build())
                            .getExecution();
                    if (e.getStatus() != ExecutionStatus.EXECUTION_STATUS_RUNNING) {
                      done.put(id, e);
                    }
                  }
                }
                return done.size() == EXECUTIONS;
              });
      long allDoneAt = System.nanoTime();

      assertThat(done.values())
          .allSatisfy(
              e -> assertThat(e.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_SUCCEEDED));
      assertThat(done.values())
          .allSatisfy(
              e -> assertThat(e.getOutput().getFieldsOrThrow("done").getBoolValue()).isTrue());

      // Every side effect of a step is attempt 1: a repeat (in flight at the crash) has the same
      // key.
      Map<String, Set<String>> keysPerStep = new HashMap<>();
      for (String k : sideEffects.keySet()) {
        String step = k.substring(0, k.lastIndexOf('/'));
        keysPerStep.computeIfAbsent(step, s -> new HashSet<>()).add(k);
      }
      assertThat(keysPerStep).hasSize(EXECUTIONS * 3);
      assertThat(keysPerStep.values()).allSatisfy(keys -> assertThat(keys).hasSize(1));
      long repeated = sideEffects.values().stream().filter(n -> n.get() > 1).count();

      // No step ran again after it completed: its journal event log shows no start after
      // completion.
      int resumed = 0;
      for (String id : ids) {
        List<ExecutionEvent> events = new ArrayList<>();
        onB.watchExecution(WatchExecutionRequest.newBuilder().setId(id).build())
            .forEachRemaining(r -> events.add(r.getEvent()));
        Set<String> completed = new HashSet<>();
        int starts = 0;
        for (ExecutionEvent event : events) {
          if (event.hasNodeCompleted()) {
            completed.add(event.getNodeCompleted().getNodeId());
          }
          if (event.hasNodeStarted()) {
            starts++;
            assertThat(completed)
                .as("%s restarted a completed step", id)
                .doesNotContain(event.getNodeStarted().getNodeId());
          }
        }
        if (starts > 5) {
          resumed++;
        }
      }

      // Resume delay: from the kill to the first side effect of an execution gateway A had started.
      long firstResumed =
          keyLog.stream()
              .map(line -> line.split(" "))
              .filter(parts -> Long.parseLong(parts[1]) > killedAt)
              .filter(parts -> startedOnA.contains(parts[0].substring(0, parts[0].indexOf('/'))))
              .mapToLong(parts -> Long.parseLong(parts[1]))
              .min()
              .orElse(allDoneAt);
      System.out.printf(
          "CHAOS: %d executions, gateway A killed after %d of %d side effects; all %d succeeded; "
              + "resume delay (kill -> first side effect of an orphaned execution) %d ms with a 2 s lease; "
              + "all done %d ms after the kill; %d steps repeated a side effect (same key); %d executions re-ran an in-flight step%n",
          EXECUTIONS,
          effectsAtKill,
          EXECUTIONS * 3,
          done.size(),
          TimeUnit.NANOSECONDS.toMillis(firstResumed - killedAt),
          TimeUnit.NANOSECONDS.toMillis(allDoneAt - killedAt),
          repeated,
          resumed);
      assertThat(effectsAtKill).as("the kill came midway").isLessThan(EXECUTIONS * 3 * 3 / 4);
    } finally {
      toA.shutdownNow();
      toB.shutdownNow();
      a.process().destroyForcibly();
      b.stop();
      downstream.stop().join();
    }
  }
}
