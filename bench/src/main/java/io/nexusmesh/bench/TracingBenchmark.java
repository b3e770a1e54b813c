package io.nexusmesh.bench;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.runtime.telemetry.Telemetry;
import io.nexusmesh.runtime.telemetry.otlp.OtlpTraceReceiver;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What tracing costs a gateway, measured in one run: the same workflows on four gateways that
 * differ only in their {@code OTEL_*} settings. The baseline has the OpenTelemetry SDK disabled
 * ({@code otel.sdk.disabled=true}: no span is made, context is still passed on); the default makes
 * spans and exports none; "exported" sends every span by OTLP, in batches, to a receiver in this
 * JVM (parsing them costs this machine's CPU too, as a collector on the same host would); the last
 * exports one trace in ten ({@code parentbased_traceidratio}, 0.1). Three workflows: an ephemeral
 * 1-node transform, a durable 3-step transform (the worst case: five spans for a few microseconds
 * of work), and a durable workflow whose middle step calls a local HTTP service. Each workflow's
 * four configurations are measured in turn ({@code bench.rounds}, 4 by default: each in every
 * position once) and printed as one table; the aim is at most 5% fewer calls/s with tracing on.
 *
 * <p>Settings as for {@link GatewayBenchmark} ({@code bench.concurrency}, {@code bench.warmup},
 * {@code bench.seconds}).
 */
public final class TracingBenchmark {
  private static final String HTTP_STEP =
      """
      {"nodes": [{"id": "a", "transform": {"expression": "{'name': input.name}"}},
                 {"id": "b", "http": {"method": "POST", "url": "%s/echo", "body": "nodes.a"}},
                 {"id": "c", "transform": {"expression": "{'greeting': 'Hello, ' + nodes.b.name}"}}],
       "edges": [{"from": "a", "to": "b"}, {"from": "b", "to": "c"}]}""";

  private TracingBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty("bench.rounds") == null) {
      System.setProperty("bench.rounds", "4");
    }
    LoadGenerator load = BenchRun.loadFromSystemProperties();
    Server echo =
        Server.builder()
            .http(new InetSocketAddress("127.0.0.1", 0))
            .service(
                "/echo",
                (ctx, req) ->
                    HttpResponse.of(
                        req.aggregate()
                            .thenApply(
                                body ->
                                    HttpResponse.of(
                                        HttpStatus.OK, MediaType.JSON_UTF_8, body.contentUtf8()))))
            .build();
    echo.start().join();
    String echoUrl = "http://127.0.0.1:" + echo.activeLocalPort();
    try (OtlpTraceReceiver receiver = OtlpTraceReceiver.startOnLoopback(100)) {
      Map<String, String> sampled = new HashMap<>(Telemetry.exportingTo(receiver.endpoint()));
      sampled.put("otel.traces.sampler", "parentbased_traceidratio");
      sampled.put("otel.traces.sampler.arg", "0.1");
      Map<String, Map<String, String>> configurations = new java.util.LinkedHashMap<>();
      configurations.put("tracing off", Map.of("otel.sdk.disabled", "true"));
      configurations.put("spans made, not exported", Map.of());
      configurations.put("exported by OTLP", Telemetry.exportingTo(receiver.endpoint()));
      configurations.put("exported, 1 trace in 10", sampled);
      List<BenchGateway> gateways = new ArrayList<>();
      for (Map<String, String> otel : configurations.values()) {
        gateways.add(gateway(otel, echoUrl));
      }
      Struct input =
          Struct.newBuilder()
              .putFields("name", Value.newBuilder().setStringValue("Ada").build())
              .build();
      System.out.printf(
          "Nexus Mesh tracing benchmark: %d callers, %d cores%n",
          load.concurrency(), Runtime.getRuntime().availableProcessors());
      for (String workflow : List.of("ephemeral", "durable", "durable-http")) {
        ExecuteRequest request =
            ExecuteRequest.newBuilder().setWorkflow(workflow).setInput(input).build();
        List<Scenario> scenarios = new ArrayList<>();
        Scenario baseline = null;
        int i = 0;
        for (String configuration : configurations.keySet()) {
          var stub = gateways.get(i++).executions();
          Scenario scenario =
              new Scenario(workflow + ", " + configuration, baseline, () -> stub.execute(request));
          scenarios.add(scenario);
          baseline = baseline == null ? scenario : baseline;
        }
        BenchRun.runAndPrint(load, scenarios);
      }
      System.out.printf(
          "The receiver got %d spans (the SDK logs any it had to drop).%n",
          receiver.traces().spansReceived());
      gateways.forEach(BenchGateway::close);
    } finally {
      echo.stop().join();
    }
  }

  /**
   * A gateway whose telemetry is made with {@code otel} as system properties (the gateway reads
   * them once, as it starts), serving the three workflows.
   */
  private static BenchGateway gateway(Map<String, String> otel, String echoUrl) throws Exception {
    otel.forEach(System::setProperty);
    BenchGateway gateway;
    try {
      gateway = BenchGateway.start();
    } finally {
      otel.keySet().forEach(System::clearProperty);
    }
    gateway.allowEgress(echoUrl.substring("http://".length()));
    gateway.deploy(
        "ephemeral",
        """
        {"nodes": [{"id": "greet", "transform": {"expression": "{'greeting': 'Hello, ' + input.name + '!'}"}}],
         "mode": "EXECUTION_MODE_EPHEMERAL"}""");
    gateway.deploy("durable", GatewayBenchmark.DURABLE_3_STEPS);
    gateway.deploy("durable-http", HTTP_STEP.formatted(echoUrl));
    return gateway;
  }
}
