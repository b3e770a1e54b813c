package io.nexusmesh.bench;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.runtime.telemetry.Telemetry;
import io.nexusmesh.runtime.telemetry.otlp.OtlpTraceReceiver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What tracing costs a gateway, measured in one run: the same workflows on three gateways that
 * differ only in their {@code OTEL_*} settings. The baseline has the OpenTelemetry SDK disabled
 * ({@code otel.sdk.disabled=true}: nothing is made, context is still passed on); the default makes
 * spans and exports none; "on" exports every span by OTLP, in batches, to a receiver in this JVM
 * (parsing them costs this machine's CPU too, as a collector on the same host would). Prints p50,
 * p99, calls/s and their ratios; the aim is a throughput cost of at most 5% with tracing on.
 *
 * <p>Settings as for {@link GatewayBenchmark} ({@code bench.concurrency}, {@code bench.warmup},
 * {@code bench.seconds}).
 */
public final class TracingBenchmark {
  private TracingBenchmark() {}

  public static void main(String[] args) throws Exception {
    LoadGenerator load = BenchRun.loadFromSystemProperties();
    try (OtlpTraceReceiver receiver = OtlpTraceReceiver.startOnLoopback(100)) {
      BenchGateway off = gateway(Map.of("otel.sdk.disabled", "true"));
      BenchGateway quiet = gateway(Map.of());
      BenchGateway on = gateway(Telemetry.exportingTo(receiver.endpoint()));
      List<ManagedChannel> channels = new ArrayList<>();
      Struct input =
          Struct.newBuilder()
              .putFields("name", Value.newBuilder().setStringValue("Ada").build())
              .build();
      System.out.printf(
          "Nexus Mesh tracing benchmark: %d callers, %d cores%n",
          load.concurrency(), Runtime.getRuntime().availableProcessors());
      List<Scenario> scenarios = new ArrayList<>();
      for (String workflow : List.of("ephemeral", "durable")) {
        ExecuteRequest request =
            ExecuteRequest.newBuilder().setWorkflow(workflow).setInput(input).build();
        Scenario baseline =
            new Scenario(workflow + ", tracing off", null, call(off, channels, request));
        scenarios.add(baseline);
        scenarios.add(
            new Scenario(
                workflow + ", spans made, not exported", baseline, call(quiet, channels, request)));
        scenarios.add(
            new Scenario(workflow + ", exported by OTLP", baseline, call(on, channels, request)));
      }
      BenchRun.runAndPrint(load, scenarios);
      System.out.printf(
          "The receiver holds %d traces (it keeps the latest 100).%n",
          receiver.traces().latest(1000).size());
      channels.forEach(ManagedChannel::shutdownNow);
      on.close();
      quiet.close();
      off.close();
    }
  }

  /**
   * A gateway whose telemetry is made with {@code otel} as system properties (the gateway reads
   * them once, as it starts), serving the two workflows.
   */
  private static BenchGateway gateway(Map<String, String> otel) throws Exception {
    otel.forEach(System::setProperty);
    BenchGateway gateway;
    try {
      gateway = BenchGateway.start();
    } finally {
      otel.keySet().forEach(System::clearProperty);
    }
    gateway.deploy(
        "ephemeral",
        """
        {"nodes": [{"id": "greet", "transform": {"expression": "{'greeting': 'Hello, ' + input.name + '!'}"}}],
         "mode": "EXECUTION_MODE_EPHEMERAL"}""");
    gateway.deploy("durable", GatewayBenchmark.DURABLE_3_STEPS);
    return gateway;
  }

  private static LoadGenerator.Call call(
      BenchGateway gateway, List<ManagedChannel> channels, ExecuteRequest request) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    channels.add(channel);
    Metadata auth = new Metadata();
    auth.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + gateway.key.secret());
    var stub =
        ExecutionServiceGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth));
    return () -> stub.execute(request);
  }
}
