package io.nexusmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.nexusmesh.api.controlplane.v1.ApiKeyServiceGrpc;
import io.nexusmesh.api.controlplane.v1.CreateApiKeyRequest;
import io.nexusmesh.api.controlplane.v1.CreatePanelRequest;
import io.nexusmesh.api.controlplane.v1.EgressPolicyServiceGrpc;
import io.nexusmesh.api.controlplane.v1.EgressRule;
import io.nexusmesh.api.controlplane.v1.GetPanelRequest;
import io.nexusmesh.api.controlplane.v1.IssuePanelCredentialRequest;
import io.nexusmesh.api.controlplane.v1.UpdateEgressPolicyRequest;
import io.nexusmesh.api.sidecar.v1.ManifestState;
import io.nexusmesh.runtime.telemetry.Telemetry;
import io.nexusmesh.runtime.telemetry.otlp.OtlpTraceReceiver;
import io.nexusmesh.runtime.telemetry.otlp.ReceivedSpan;
import io.nexusmesh.sidecar.PanelApp;
import io.nexusmesh.sidecar.Sidecar;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import io.nexusmesh.testing.TestJvm;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One trace across every hop of a durable run, as an OTLP receiver sees it: an MCP client's {@code
 * tools/call} carries {@code _meta.traceparent} to gateway A (its own JVM); the workflow's first
 * http step completes there; its second is in flight when A gets SIGKILL; gateway B (another JVM)
 * resumes the execution from Redis, in the same trace and linked to A's run, re-runs the second
 * step and calls a panel tool through the sidecar, which passes the trace into the panel (a real
 * Python process). Every process exports to the receiver with the standard {@code OTEL_*}
 * variables.
 *
 * <p>Start-up order: Redis (fixture), the OTLP receiver, the downstream HTTP server, the control
 * plane, the two gateway processes (each on {@code /health}, registered), the panel and its
 * sidecar, then the org's key, egress policy and the workflow's deployment.
 */
@ExtendWith(RedisExtension.class)
class TraceAcrossTheMeshTest {
  private static final String TOOLS =
      """
      {"tools": [{"name": "echo", "desc": "Echoes its arguments."}]}""";
  private static final String WORKFLOW =
      """
      {"nodes": [
         {"id": "first", "http": {"method": "POST", "url": "%1$s/first", "body": "input"}},
         {"id": "hold", "timeout": "60s", "retry": {"maxAttempts": 1},
          "http": {"method": "POST", "url": "%1$s/hold", "body": "input"}},
         {"id": "ask", "tool": {"panel": "tools", "tool": "echo", "arguments": "{'x': 1}"}}],
       "edges": [{"from": "first", "to": "hold"}, {"from": "hold", "to": "ask"}],
       "output": "nodes.ask"}""";

  @TempDir Path panelDir;

  /** The traceparent of each request the downstream server received, by path. */
  private final List<String> firstSeen = new CopyOnWriteArrayList<>();

  private final List<String> holdSeen = new CopyOnWriteArrayList<>();

  @Test
  void aDurableMcpCallIsOneTraceAcrossTwoGatewaysACrashAndAPanel(RedisEndpoint redis)
      throws Exception {
    String org = "trc-" + UUID.randomUUID().toString().substring(0, 6);
    String traceId = randomHex(16);
    String clientSpan = randomHex(8);
    Server downstream = downstream();
    List<AutoCloseable> open = new ArrayList<>();
    try (OtlpTraceReceiver receiver = OtlpTraceReceiver.startOnLoopback(50);
        var cp = ControlPlaneHarness.start()) {
      open.add(downstream::stop);
      Map<String, String> otel =
          Map.of(
              "OTEL_TRACES_EXPORTER", "otlp",
              "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(),
              "OTEL_BSP_SCHEDULE_DELAY", "50",
              "NEXUS_GATEWAY_LEASE_TTL", "2s");
      TestJvm a = GatewayJvm.start(cp, redis, org, "gw-trace-a", otel);
      open.add(a::stop);
      TestJvm b = GatewayJvm.start(cp, redis, org, "gw-trace-b", otel);
      open.add(b::stop);
      String admin = cp.token("ada", org, "admin");

      // The panel (a Python process) and its sidecar, which exports to the same receiver.
      var panels = PanelMeshSupport.panelsAs(cp, admin);
      panels.createPanel(CreatePanelRequest.newBuilder().setName("tools").build());
      String credential =
          panels
              .issuePanelCredential(
                  IssuePanelCredentialRequest.newBuilder().setName("tools").build())
              .getCredential();
      Files.writeString(panelDir.resolve("manifest.json"), TOOLS);
      PanelMeshSupport.copy("/panels/switchable.py", panelDir.resolve("main.py"));
      String appToken = PanelApp.newAppToken();
      int panelPort = PanelMeshSupport.freePort();
      Process panel = PanelMeshSupport.startPanel(panelDir, panelPort, appToken);
      open.add(panel::destroyForcibly);
      Sidecar sidecar =
          PanelMeshSupport.startSidecar(
              cp,
              credential,
              redis,
              panelPort,
              appToken,
              Telemetry.fromEnvironment(
                  "nexus-sidecar",
                  Map.of(
                      "otel.traces.exporter", "otlp",
                      "otel.exporter.otlp.endpoint", receiver.endpoint(),
                      "otel.bsp.schedule.delay", "50")));
      open.add(sidecar::close);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  panels
                      .getPanel(GetPanelRequest.newBuilder().setName("tools").build())
                      .getPanel()
                      .getInstance()
                      .getManifestState(),
              state -> state == ManifestState.MANIFEST_STATE_READY);

      String key =
          cp.as(ApiKeyServiceGrpc.newBlockingStub(cp.channel), admin)
              .createApiKey(CreateApiKeyRequest.newBuilder().setDisplayName("app").build())
              .getSecret();
      cp.as(EgressPolicyServiceGrpc.newBlockingStub(cp.channel), admin)
          .updateEgressPolicy(
              UpdateEgressPolicyRequest.newBuilder()
                  .addAllow(
                      EgressRule.newBuilder()
                          .setDestination("127.0.0.1:" + downstream.activeLocalPort()))
                  .build());
      MeshTestSupport.deploy(
          cp,
          admin,
          "traced",
          WORKFLOW.formatted("http://127.0.0.1:" + downstream.activeLocalPort()));

      // The client's call, with its trace in _meta: it never answers, as A dies under it.
      McpSyncClient mcp = PanelMeshSupport.mcp(a.port(), key);
      open.add(mcp::closeGracefully);
      mcp.initialize();
      CompletableFuture.runAsync(
          () ->
              mcp.callTool(
                  new McpSchema.CallToolRequest(
                      "traced",
                      Map.of("n", 1),
                      Map.of("traceparent", "00-" + traceId + "-" + clientSpan + "-01"))));
      await().atMost(Duration.ofSeconds(30)).until(() -> !holdSeen.isEmpty());
      // A's first step ended and was exported before A dies; its run and its second step never end.
      ReceivedSpan firstOnA =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(() -> span(receiver, traceId, named("step first")), Optional::isPresent)
              .orElseThrow();
      a.kill();

      ReceivedSpan resumed =
          await()
              .atMost(Duration.ofSeconds(60))
              .until(
                  () ->
                      span(
                          receiver,
                          traceId,
                          named("execute traced")
                              .and(s -> s.attribute("nexus.execution.resumed").equals("true"))),
                  Optional::isPresent)
              .orElseThrow();
      // The sidecar exports on its own schedule: its span may come a moment after B's run.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> span(receiver, traceId, s -> s.service().equals("nexus-sidecar")),
              Optional::isPresent);
      List<ReceivedSpan> trace = receiver.traces().trace(traceId).orElseThrow();

      // A's part: the first step (node id, kind, attempt) and its HTTP call, whose traceparent the
      // downstream server received.
      assertThat(firstOnA.service()).isEqualTo("nexus-gateway");
      assertThat(firstOnA.attributes())
          .containsEntry("nexus.node.id", "first")
          .containsEntry("nexus.node.kind", "http")
          .containsEntry("nexus.step.attempt", "1");
      ReceivedSpan firstCall = childOf(trace, firstOnA, "CLIENT");
      assertThat(firstSeen).contains("00-" + traceId + "-" + firstCall.spanId() + "-01");

      // B's run: same trace, linked to A's run (the parent of A's steps), and it succeeded.
      assertThat(resumed.links()).containsExactly(traceId + "/" + firstOnA.parentSpanId());
      assertThat(resumed.attribute("nexus.execution.status"))
          .isEqualTo("EXECUTION_STATUS_SUCCEEDED");
      assertThat(resumed.parentSpanId()).isNotEmpty().isNotEqualTo(clientSpan);

      // B re-ran the step that was in flight (attempt 1 again: same idempotency key) ...
      ReceivedSpan holdOnB = childOf(trace, resumed, "INTERNAL", "step hold");
      assertThat(holdOnB.attribute("nexus.step.attempt")).isEqualTo("1");
      ReceivedSpan holdCall = childOf(trace, holdOnB, "CLIENT");
      assertThat(holdSeen).hasSize(2);
      assertThat(holdSeen.get(1)).isEqualTo("00-" + traceId + "-" + holdCall.spanId() + "-01");
      // ... and called the panel tool: gateway -> sidecar (its server span) -> the panel process.
      ReceivedSpan ask = childOf(trace, resumed, "INTERNAL", "step ask");
      assertThat(ask.attribute("nexus.node.kind")).isEqualTo("tool");
      ReceivedSpan toSidecar = childOf(trace, ask, "CLIENT");
      ReceivedSpan inSidecar = childOf(trace, toSidecar, "SERVER");
      assertThat(inSidecar.service()).isEqualTo("nexus-sidecar");
      String panelSaw = outputTraceparent(cp, key, b.port(), resumed);
      assertThat(panelSaw).isEqualTo("00-" + traceId + "-" + inSidecar.spanId() + "-01");
      assertThat(trace).extracting(ReceivedSpan::traceId).containsOnly(traceId);
    } finally {
      for (AutoCloseable closeable : open.reversed()) {
        try {
          closeable.close();
        } catch (Exception e) {
          // best effort
        }
      }
    }
  }

  /** The traceparent the panel answered with, from the execution's output read on gateway B. */
  private static String outputTraceparent(
      ControlPlaneHarness cp, String key, int port, ReceivedSpan run) {
    var channel =
        io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", port)
            .usePlaintext()
            .build();
    try {
      return cp.as(io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc.newBlockingStub(channel), key)
          .getExecution(
              io.nexusmesh.api.gateway.v1.GetExecutionRequest.newBuilder()
                  .setId(run.attribute("nexus.execution.id"))
                  .build())
          .getExecution()
          .getOutput()
          .getFieldsOrThrow("traceparent")
          .getStringValue();
    } finally {
      channel.shutdownNow();
    }
  }

  private Server downstream() {
    Server server =
        Server.builder()
            .http(new InetSocketAddress("127.0.0.1", 0))
            .service(
                "/first",
                (ctx, req) -> {
                  firstSeen.add(req.headers().get("traceparent", ""));
                  return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, "{\"ok\":1}");
                })
            .service(
                "/hold",
                (ctx, req) -> {
                  holdSeen.add(req.headers().get("traceparent", ""));
                  if (holdSeen.size() == 1) {
                    // The first attempt hangs until its gateway dies.
                    ctx.clearRequestTimeout();
                    return HttpResponse.of(new CompletableFuture<HttpResponse>());
                  }
                  return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, "{\"ok\":2}");
                })
            .build();
    server.start().join();
    return server;
  }

  private static Predicate<ReceivedSpan> named(String name) {
    return s -> s.name().equals(name);
  }

  private static Optional<ReceivedSpan> span(
      OtlpTraceReceiver receiver, String traceId, Predicate<ReceivedSpan> wanted) {
    return receiver.traces().trace(traceId).orElse(List.of()).stream().filter(wanted).findFirst();
  }

  private static ReceivedSpan childOf(List<ReceivedSpan> trace, ReceivedSpan parent, String kind) {
    return childOf(trace, parent, kind, null);
  }

  private static ReceivedSpan childOf(
      List<ReceivedSpan> trace, ReceivedSpan parent, String kind, String name) {
    List<ReceivedSpan> children =
        trace.stream()
            .filter(s -> s.parentSpanId().equals(parent.spanId()) && s.kind().equals(kind))
            .filter(s -> name == null || s.name().equals(name))
            .toList();
    assertThat(children)
        .as("a %s child%s of %s in %s", kind, name == null ? "" : " " + name, parent.name(), trace)
        .hasSize(1);
    return children.get(0);
  }

  private static String randomHex(int bytes) {
    byte[] random = new byte[bytes];
    new SecureRandom().nextBytes(random);
    return HexFormat.of().formatHex(random);
  }
}
