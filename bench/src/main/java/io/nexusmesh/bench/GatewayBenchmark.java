package io.nexusmesh.bench;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.gateway.v1.ApiKeyHash;
import io.nexusmesh.api.gateway.v1.ApplyDeploymentRequest;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecuteResponse;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.gateway.Gateway;
import io.nexusmesh.gateway.GatewayConfig;
import io.nexusmesh.runtime.auth.ApiKeys;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import io.nexusmesh.runtime.server.NexusServer;
import io.nexusmesh.runtime.server.NexusServerOptions;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import redis.embedded.RedisServer;

/**
 * Measures the gateway's overhead in one run on one machine, each scenario against a raw Armeria
 * server answering the same {@code Execute} message with its input (no auth, no validation, no
 * engine) over the same transport: gRPC, or REST through Armeria's JSON transcoding. Scenarios: the
 * echo behind the shared server recipe (auth, protovalidate, metrics, tracing), an EPHEMERAL 1-node
 * CEL transform over gRPC and over REST, and a DURABLE 3-step workflow over gRPC (every step
 * journaled in Redis). Prints p50, p99 and throughput of each and their ratios to its echo.
 *
 * <p>Settings (system properties): {@code bench.concurrency} (8), {@code bench.warmup} seconds (5),
 * {@code bench.seconds} measured per scenario (10). Access logs are off here (see the bench's
 * logback.xml): they would measure the console.
 */
public final class GatewayBenchmark {
  private static final String ORG = "bench";

  private GatewayBenchmark() {}

  public static void main(String[] args) throws Exception {
    int concurrency = Integer.getInteger("bench.concurrency", 8);
    var load =
        new LoadGenerator(
            concurrency,
            Duration.ofSeconds(Integer.getInteger("bench.warmup", 5)),
            Duration.ofSeconds(Integer.getInteger("bench.seconds", 10)));
    int redisPort = freePort();
    RedisServer redis =
        RedisServer.builder()
            .bind("127.0.0.1")
            .port(redisPort)
            .setting("save \"\"")
            .setting("appendonly no")
            .build();
    redis.start();
    Server echo =
        Server.builder()
            .http(0)
            .service(
                GrpcService.builder()
                    .addService(new Echo())
                    .enableHttpJsonTranscoding(true)
                    .build())
            .build();
    echo.start().join();
    // The same echo behind the shared server recipe (auth, protovalidate, metrics, tracing, CORS,
    // access log off): splits the gateway's overhead into the recipe's and the engine's.
    Server recipe =
        NexusServer.builder(NexusServerOptions.defaults("bench-recipe", 0))
            .addService(new Echo())
            .authenticator(
                authorization ->
                    new Principal(
                        "bench", ORG, Set.of(), Set.of(), PrincipalKind.API_KEY, Set.of()))
            .build();
    recipe.start().join();
    Gateway gateway =
        Gateway.start(
            GatewayConfig.fromEnvironment(
                Map.of(
                    "NEXUS_GATEWAY_PORT", "0",
                    "NEXUS_GATEWAY_ID", "gw-bench",
                    "NEXUS_REDIS_URL", "redis://127.0.0.1:" + redisPort,
                    "NEXUS_CONTROL_PLANE_URL", "",
                    "NEXUS_GATEWAY_RATE_LIMIT_PER_KEY", "0",
                    "NEXUS_GATEWAY_RATE_LIMIT_PER_ORG", "0",
                    "NEXUS_GATEWAY_SHUTDOWN_TIMEOUT", "1s")));
    ApiKeys.NewKey key = ApiKeys.generate();
    deploy(
        gateway,
        key,
        "ephemeral",
        """
        {"nodes": [{"id": "greet", "transform": {"expression": "{'greeting': 'Hello, ' + input.name + '!'}"}}],
         "mode": "EXECUTION_MODE_EPHEMERAL"}""");
    deploy(
        gateway,
        key,
        "durable",
        """
        {"nodes": [{"id": "a", "transform": {"expression": "input.name"}},
                   {"id": "b", "transform": {"expression": "'Hello, ' + nodes.a"}},
                   {"id": "c", "transform": {"expression": "{'greeting': nodes.b + '!'}"}}],
         "edges": [{"from": "a", "to": "b"}, {"from": "b", "to": "c"}]}""");

    ManagedChannel toEcho =
        NettyChannelBuilder.forAddress("127.0.0.1", echo.activeLocalPort()).usePlaintext().build();
    ManagedChannel toGateway =
        NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    var echoStub = ExecutionServiceGrpc.newBlockingStub(toEcho);
    ManagedChannel toRecipe =
        NettyChannelBuilder.forAddress("127.0.0.1", recipe.activeLocalPort())
            .usePlaintext()
            .build();
    Metadata auth = new Metadata();
    auth.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + key.secret());
    var recipeStub =
        ExecutionServiceGrpc.newBlockingStub(toRecipe)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth));
    var gatewayStub =
        ExecutionServiceGrpc.newBlockingStub(toGateway)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth));
    WebClient rest = WebClient.of("http://127.0.0.1:" + gateway.port());
    Struct input =
        Struct.newBuilder()
            .putFields("name", Value.newBuilder().setStringValue("Ada").build())
            .build();
    ExecuteRequest ephemeral =
        ExecuteRequest.newBuilder().setWorkflow("ephemeral").setInput(input).build();
    ExecuteRequest durable =
        ExecuteRequest.newBuilder().setWorkflow("durable").setInput(input).build();
    RequestHeaders restHeaders =
        RequestHeaders.builder(HttpMethod.POST, "/v1/workflows/ephemeral:execute")
            .contentType(MediaType.JSON_UTF_8)
            .add("authorization", "Bearer " + key.secret())
            .build();

    System.out.printf(
        "Nexus Mesh gateway benchmark: %d callers, %d cores%n",
        concurrency, Runtime.getRuntime().availableProcessors());
    // Each scenario is compared with the raw echo over the same transport.
    WebClient restEcho = WebClient.of("http://127.0.0.1:" + echo.activeLocalPort());
    Scenario grpcEcho =
        new Scenario("raw Armeria gRPC echo", null, () -> echoStub.execute(ephemeral));
    Scenario httpEcho =
        new Scenario(
            "raw Armeria REST echo (transcoded)",
            null,
            () -> restCall(restEcho, restHeaders, "ephemeral"));
    List<Scenario> scenarios =
        List.of(
            grpcEcho,
            httpEcho,
            new Scenario(
                "echo behind the shared recipe", grpcEcho, () -> recipeStub.execute(ephemeral)),
            new Scenario(
                "ephemeral 1-node transform, gRPC",
                grpcEcho,
                () -> check(gatewayStub.execute(ephemeral))),
            new Scenario(
                "ephemeral 1-node transform, REST",
                httpEcho,
                () -> restCall(rest, restHeaders, "ephemeral")),
            new Scenario(
                "durable 3-step workflow, gRPC",
                grpcEcho,
                () -> check(gatewayStub.execute(durable))));
    // Every scenario is warmed up before any is measured, so that the baselines, measured first,
    // do not pay for the JIT work of the client path that all scenarios share.
    for (Scenario scenario : scenarios) {
      load.warmUp(scenario.call());
    }
    Map<Scenario, LoadResult> results = new LinkedHashMap<>();
    for (Scenario scenario : scenarios) {
      results.put(scenario, load.measure(scenario.name(), scenario.call()));
    }

    System.out.printf(
        "%-36s %9s %9s %10s %9s %9s  %s%n",
        "scenario", "p50 ms", "p99 ms", "calls/s", "p50 x", "p99 x", "compared with");
    results.forEach(
        (scenario, r) -> {
          LoadResult base =
              results.get(scenario.baseline() == null ? scenario : scenario.baseline());
          System.out.printf(
              "%-36s %9.3f %9.3f %10.0f %9.2f %9.2f  %s%n",
              r.name(),
              r.percentileMillis(0.50),
              r.percentileMillis(0.99),
              r.throughput(),
              r.percentileMillis(0.50) / base.percentileMillis(0.50),
              r.percentileMillis(0.99) / base.percentileMillis(0.99),
              scenario.baseline() == null ? "(baseline)" : scenario.baseline().name());
        });

    toEcho.shutdownNow();
    toRecipe.shutdownNow();
    recipe.stop().join();
    toGateway.shutdownNow();
    gateway.close();
    echo.stop().join();
    redis.stop();
    System.exit(0);
  }

  /** A measured call and the raw echo it is compared with (null for a baseline itself). */
  private record Scenario(String name, @Nullable Scenario baseline, LoadGenerator.Call call) {}

  private static void restCall(WebClient client, RequestHeaders headers, String workflow) {
    var response =
        client
            .blocking()
            .execute(
                HttpRequest.of(
                    headers.toBuilder().path("/v1/workflows/" + workflow + ":execute").build(),
                    HttpData.ofUtf8("{\"input\":{\"name\":\"Ada\"}}")));
    if (response.status().code() != 200) {
      throw new IllegalStateException(
          "REST answered " + response.status() + ": " + response.contentUtf8());
    }
  }

  private static void check(ExecuteResponse response) {
    if (response.getStatus() != ExecutionStatus.EXECUTION_STATUS_SUCCEEDED) {
      throw new IllegalStateException(
          "execution " + response.getExecutionId() + " ended " + response.getStatus());
    }
  }

  private static void deploy(Gateway gateway, ApiKeys.NewKey key, String id, String specJson)
      throws Exception {
    WorkflowSpec.Builder spec = WorkflowSpec.newBuilder();
    JsonFormat.parser().merge(specJson, spec);
    gateway
        .deployments()
        .apply(
            ApplyDeploymentRequest.newBuilder()
                .setGeneration(1)
                .setDeployment(
                    DeployedWorkflow.newBuilder()
                        .setDeploymentId("bench-" + id)
                        .setOrg(ORG)
                        .setWorkflowId(id)
                        .setVersion(1)
                        .setSpec(spec)
                        .addApiKeys(
                            ApiKeyHash.newBuilder().setKeyId(key.id()).setSha256(key.sha256())))
                .build());
  }

  private static int freePort() throws Exception {
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The baseline: answers Execute with its input, and nothing else. */
  private static final class Echo extends ExecutionServiceGrpc.ExecutionServiceImplBase {
    @Override
    public void execute(ExecuteRequest request, StreamObserver<ExecuteResponse> response) {
      response.onNext(
          ExecuteResponse.newBuilder()
              .setExecutionId("echo")
              .setStatus(ExecutionStatus.EXECUTION_STATUS_SUCCEEDED)
              .setOutput(request.getInput())
              .build());
      response.onCompleted();
    }
  }
}
