package io.nexusmesh.bench;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecuteResponse;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.runtime.auth.ApiKeys;
import io.nexusmesh.runtime.auth.Authenticator;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import io.nexusmesh.runtime.server.NexusServer;
import io.nexusmesh.runtime.server.NexusServerOptions;
import io.nexusmesh.runtime.server.NonBlocking;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

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
    LoadGenerator load = BenchRun.loadFromSystemProperties();
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
            .authenticator(new AnyCaller())
            .build();
    recipe.start().join();
    BenchGateway gateway = BenchGateway.start();
    ApiKeys.NewKey key = gateway.key;
    gateway.deploy(
        "ephemeral",
        """
        {"nodes": [{"id": "greet", "transform": {"expression": "{'greeting': 'Hello, ' + input.name + '!'}"}}],
         "mode": "EXECUTION_MODE_EPHEMERAL"}""");
    gateway.deploy("durable", DURABLE_3_STEPS);

    ManagedChannel toEcho =
        NettyChannelBuilder.forAddress("127.0.0.1", echo.activeLocalPort()).usePlaintext().build();
    var echoStub = ExecutionServiceGrpc.newBlockingStub(toEcho);
    ManagedChannel toRecipe =
        NettyChannelBuilder.forAddress("127.0.0.1", recipe.activeLocalPort())
            .usePlaintext()
            .build();
    var recipeStub =
        ExecutionServiceGrpc.newBlockingStub(toRecipe)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(gateway.bearer()));
    var gatewayStub = gateway.executions();
    // The same gateway once more, on a Redis that syncs its append-only file at every write.
    BenchGateway fsyncGateway = BenchGateway.start(true);
    fsyncGateway.deploy("durable", DURABLE_3_STEPS);
    var fsyncStub = fsyncGateway.executions();
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
        load.concurrency(), Runtime.getRuntime().availableProcessors());
    // Each scenario is compared with the raw echo over the same transport.
    WebClient restEcho = WebClient.of("http://127.0.0.1:" + echo.activeLocalPort());
    WebClient restRecipe = WebClient.of("http://127.0.0.1:" + recipe.activeLocalPort());
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
                "echo behind the shared recipe, REST",
                httpEcho,
                () -> restCall(restRecipe, restHeaders, "ephemeral")),
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
                () -> check(gatewayStub.execute(durable))),
            new Scenario(
                "durable 3-step, Redis appendfsync always",
                grpcEcho,
                () -> check(fsyncStub.execute(durable))));
    BenchRun.runAndPrint(load, scenarios);

    toEcho.shutdownNow();
    toRecipe.shutdownNow();
    recipe.stop().join();
    gateway.close();
    fsyncGateway.close();
    echo.stop().join();
    System.exit(0);
  }

  /** Three chained transforms, every step journaled. */
  static final String DURABLE_3_STEPS =
      """
      {"nodes": [{"id": "a", "transform": {"expression": "input.name"}},
                 {"id": "b", "transform": {"expression": "'Hello, ' + nodes.a"}},
                 {"id": "c", "transform": {"expression": "{'greeting': nodes.b + '!'}"}}],
       "edges": [{"from": "a", "to": "b"}, {"from": "b", "to": "c"}]}""";

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

  /** Accepts every call as one API-key caller, without blocking (as the gateway checks keys). */
  private static final class AnyCaller implements Authenticator {
    private static final Principal CALLER =
        new Principal(
            "bench", BenchGateway.ORG, Set.of(), Set.of(), PrincipalKind.API_KEY, Set.of());

    @Override
    public Principal authenticate(@Nullable String authorization) {
      return CALLER;
    }

    @Override
    public boolean mayBlock(@Nullable String authorization) {
      return false;
    }
  }

  /** The baseline: answers Execute with its input, and nothing else. */
  @NonBlocking
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
