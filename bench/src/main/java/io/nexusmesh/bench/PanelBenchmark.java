package io.nexusmesh.bench;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.auth.AuthToken;
import io.nexusmesh.api.gateway.v1.PanelRoute;
import io.nexusmesh.api.sidecar.v1.InvokeToolRequest;
import io.nexusmesh.api.sidecar.v1.SidecarServiceGrpc.SidecarServiceBlockingStub;
import io.nexusmesh.api.sidecar.v1.Tool;
import io.nexusmesh.runtime.secrets.SecretSealing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The sidecar's hop, measured in one run against the same panel (a JDK HTTP server, {@link
 * BenchPanel}) and the same gateway:
 *
 * <ul>
 *   <li>MCP {@code tools/call} of the panel tool: gateway → sidecar (gRPC) → panel, against a
 *       one-node {@code http} workflow that POSTs to the panel's {@code /mcp/execute} itself:
 *       gateway → panel. Both are one-step durable executions (journaled in Redis), so the
 *       difference is the hop.
 *   <li>The hop alone: {@code SidecarService.InvokeTool} from this process against POSTing to the
 *       panel directly.
 *   <li>The sidecar's resident set size (its own JVM, {@code SidecarMain}), idle and after 10 s at
 *       1,000 calls/s.
 * </ul>
 *
 * <p>The sidecar runs as {@code java} with {@value #JVM_FLAGS}, printed with the results. It has no
 * control plane here (it keeps retrying its registration, which does not touch the calls); its
 * invoke key is given to it and sealed into the gateway's key set as the control plane would.
 */
public final class PanelBenchmark {
  static final String JVM_FLAGS =
      "-XX:+UseSerialGC -Xms16m -Xmx64m -Xss512k -XX:MaxDirectMemorySize=32m"
          + " -XX:ReservedCodeCacheSize=48m -XX:MaxMetaspaceSize=96m";

  private PanelBenchmark() {}

  public static void main(String[] args) throws Exception {
    LoadGenerator load = BenchRun.loadFromSystemProperties();
    BenchPanel panel = BenchPanel.start();
    BenchGateway gateway = BenchGateway.start();
    byte[] invokeKey = new byte[32];
    new SecureRandom().nextBytes(invokeKey);
    String keyText = Base64.getUrlEncoder().withoutPadding().encodeToString(invokeKey);
    int sidecarPort = BenchGateway.freePort();
    Process sidecar = startSidecar(panel.port(), sidecarPort, gateway.redisUri(), keyText);
    try (ClientFactory factory = ClientFactory.builder().build()) {
      WebClient sidecarHttp =
          WebClient.builder("http://127.0.0.1:" + sidecarPort).factory(factory).build();
      awaitReady(sidecarHttp);
      long idleRss = rssKb(sidecar.pid());

      gateway.allowEgress("127.0.0.1:" + panel.port());
      gateway.deploy(
          "direct",
          """
          {"nodes": [{"id": "call", "retry": {"maxAttempts": 1}, "http": {"method": "POST",
             "url": "http://127.0.0.1:%d/mcp/execute", "body": "{'tool': 'echo', 'arguments': {}}"}}],
           "output": "nodes.call"}"""
              .formatted(panel.port()));
      gateway.addPanel(
          PanelRoute.newBuilder()
              .setPanel("bench")
              .setEndpoint("127.0.0.1:" + sidecarPort)
              .setInstance("bench-1")
              .addTools(Tool.newBuilder().setName("echo").setDesc("Echoes."))
              .setSealedInvokeKey(
                  ByteString.copyFrom(
                      SecretSealing.sealInvokeKey(
                          gateway.gateway.deployments().secretsPublicKey(),
                          BenchGateway.ORG,
                          "bench",
                          "bench-1",
                          invokeKey)))
              .build());

      McpSession mcp =
          McpSession.open(
              WebClient.builder("h1c://127.0.0.1:" + gateway.port()).factory(factory).build(),
              gateway.key.secret());
      WebClient panelHttp =
          WebClient.builder("h1c://127.0.0.1:" + panel.port()).factory(factory).build();
      SidecarServiceBlockingStub invoke =
          GrpcClients.builder("http://127.0.0.1:" + sidecarPort)
              .factory(factory)
              .auth(AuthToken.ofOAuth2(keyText))
              .build(SidecarServiceBlockingStub.class);
      InvokeToolRequest echo =
          InvokeToolRequest.newBuilder().setTool("echo").setRequestId("b/1/1").build();

      System.out.printf(
          "Nexus Mesh panels benchmark: %d callers, %d cores; sidecar JVM: %s%n",
          load.concurrency(), Runtime.getRuntime().availableProcessors(), JVM_FLAGS);
      Scenario direct =
          new Scenario(
              "panel POST /mcp/execute directly",
              null,
              () ->
                  check(
                      panelHttp
                          .prepare()
                          .post("/mcp/execute")
                          .content(MediaType.JSON, "{\"tool\":\"echo\"}")
                          .execute()
                          .aggregate()
                          .join()
                          .contentUtf8()));
      Scenario throughSidecar =
          new Scenario(
              "sidecar InvokeTool -> panel",
              direct,
              () -> check(invoke.invokeTool(echo).getResult().toString()));
      Scenario gatewayDirect =
          new Scenario(
              "gateway /mcp -> panel (http node)",
              null,
              () -> mcp.call("direct", "{}", "\"echo\":true"));
      Scenario gatewaySidecar =
          new Scenario(
              "gateway /mcp -> sidecar -> panel",
              gatewayDirect,
              () -> mcp.call("bench.echo", "{}", "\"echo\":true"));
      var results =
          BenchRun.runAndPrint(
              load, List.of(direct, throughSidecar, gatewayDirect, gatewaySidecar));
      System.out.printf(
          "sidecar hop added: p50 %+.3f ms, p99 %+.3f ms (InvokeTool vs direct); through the gateway: p50 %+.3f ms, p99 %+.3f ms%n",
          results.get(throughSidecar).percentileMillis(0.5)
              - results.get(direct).percentileMillis(0.5),
          results.get(throughSidecar).percentileMillis(0.99)
              - results.get(direct).percentileMillis(0.99),
          results.get(gatewaySidecar).percentileMillis(0.5)
              - results.get(gatewayDirect).percentileMillis(0.5),
          results.get(gatewaySidecar).percentileMillis(0.99)
              - results.get(gatewayDirect).percentileMillis(0.99));

      long loadedRss = rssAtRate(invoke, echo, sidecar.pid(), 1000, Duration.ofSeconds(10));
      System.out.printf(
          "sidecar RSS: idle %.1f MB, after 10 s at 1,000 InvokeTool calls/s %.1f MB (aim: < 64 MB)%n",
          idleRss / 1024.0, loadedRss / 1024.0);
    } finally {
      sidecar.destroy();
      sidecar.waitFor(10, TimeUnit.SECONDS);
      gateway.close();
      panel.close();
    }
    System.exit(0);
  }

  private static void check(String answer) {
    if (!answer.contains("echo")) {
      throw new IllegalStateException("unexpected answer: " + answer);
    }
  }

  /** Paces {@code rate} calls a second for {@code duration}, then reads the sidecar's RSS. */
  private static long rssAtRate(
      SidecarServiceBlockingStub invoke,
      InvokeToolRequest request,
      long pid,
      int rate,
      Duration duration)
      throws Exception {
    try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
      long start = System.nanoTime();
      long calls = (long) rate * duration.toSeconds();
      for (long i = 0; i < calls; i++) {
        long due = start + i * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        executor.submit(() -> invoke.invokeTool(request));
      }
    }
    return rssKb(pid);
  }

  private static long rssKb(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS for " + pid);
  }

  private static void awaitReady(WebClient sidecar) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < until) {
      try {
        String ready = sidecar.get("/ready").aggregate().join().contentUtf8();
        if (ready.contains("MANIFEST_STATE_READY")) {
          return;
        }
      } catch (RuntimeException e) {
        // not up yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the sidecar did not read the panel's manifest in 60 s");
  }

  private static Process startSidecar(int panelPort, int port, String redis, String invokeKey)
      throws Exception {
    Path module = Path.of("sidecar").toAbsolutePath();
    if (!Files.exists(module.resolve("target/classpath.txt"))) {
      module = Path.of("..", "sidecar").toAbsolutePath();
    }
    String classpath =
        module.resolve("target/classes")
            + ":"
            + Files.readString(module.resolve("target/classpath.txt")).strip();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(JVM_FLAGS.split(" ")));
    command.addAll(List.of("-cp", classpath, "io.nexusmesh.sidecar.SidecarMain"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectOutput(
        Path.of(System.getProperty("java.io.tmpdir"), "nexus-bench-sidecar.log").toFile());
    var env = builder.environment();
    env.put("NEXUS_CONTROL_PLANE_URL", "http://127.0.0.1:" + BenchGateway.freePort());
    env.put("NEXUS_PANEL_CREDENTIAL", "nxp_benchbench_" + "x".repeat(43));
    env.put("NEXUS_PANEL_NAME", "bench");
    env.put("NEXUS_REDIS_URL", redis);
    env.put("NEXUS_SIDECAR_APP", "http://127.0.0.1:" + panelPort);
    env.put("NEXUS_SIDECAR_PORT", Integer.toString(port));
    env.put("NEXUS_SIDECAR_PROXY", Integer.toString(BenchGateway.freePort()));
    env.put("NEXUS_SIDECAR_WATCHDOG_PORT", "-1");
    env.put("NEXUS_SIDECAR_INVOKE_KEY", invokeKey);
    return builder.start();
  }
}
