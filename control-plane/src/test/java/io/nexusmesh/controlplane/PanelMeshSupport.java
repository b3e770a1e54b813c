package io.nexusmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Struct;
import io.grpc.StatusRuntimeException;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.nexusmesh.api.controlplane.v1.PanelServiceGrpc;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Helpers of {@link PanelMeshTest}: the panel process, MCP and gRPC calls, readiness. */
final class PanelMeshSupport {
  private PanelMeshSupport() {}

  static void executeUseTool(ExecutionServiceGrpc.ExecutionServiceBlockingStub executions) {
    executions.execute(
        ExecuteRequest.newBuilder()
            .setWorkflow("use-tool")
            .setInput(
                Struct.newBuilder()
                    .putFields(
                        "x", com.google.protobuf.Value.newBuilder().setNumberValue(1).build()))
            .build());
  }

  static StatusRuntimeException failure(
      ExecutionServiceGrpc.ExecutionServiceBlockingStub executions, String workflow) {
    return catchThrowableOfType(
        StatusRuntimeException.class,
        () ->
            executions.execute(
                ExecuteRequest.newBuilder()
                    .setWorkflow(workflow)
                    .setInput(Struct.getDefaultInstance())
                    .build()));
  }

  static Process startPanel(Path panelDir, int port, String appToken) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder("python3", "main.py")
            .directory(panelDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(panelDir.resolve("panel.log").toFile()));
    builder.environment().put("PORT", Integer.toString(port));
    builder.environment().put("NEXUS_APP_TOKEN", appToken);
    return builder.start();
  }

  /**
   * The studio sidecar of panel {@code tools}, registering with {@code cp} under {@code
   * credential}, beside the panel listening on {@code panelPort}; its spans go to {@code
   * telemetry}.
   */
  static io.nexusmesh.sidecar.Sidecar startSidecar(
      ControlPlaneHarness cp,
      String credential,
      io.nexusmesh.testing.RedisEndpoint redis,
      int panelPort,
      String appToken,
      io.nexusmesh.runtime.telemetry.Telemetry telemetry)
      throws IOException {
    return io.nexusmesh.sidecar.Sidecar.start(
        new io.nexusmesh.sidecar.SidecarConfig(
            URI.create(cp.baseUrl()),
            credential,
            redis.uri(),
            "http://127.0.0.1:" + panelPort,
            0,
            "127.0.0.1",
            Integer.toString(freePort()),
            -1,
            Duration.ofMinutes(30),
            true,
            ""),
        "tools",
        appToken,
        () -> {},
        telemetry);
  }

  static PanelServiceGrpc.PanelServiceBlockingStub panelsAs(
      ControlPlaneHarness cp, String credential) {
    return cp.as(PanelServiceGrpc.newBlockingStub(cp.channel), credential);
  }

  static java.net.http.HttpResponse<String> readiness(int port) throws Exception {
    return io.nexusmesh.testing.TestHttp.client()
        .send(
            java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready"))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  static String text(McpSchema.CallToolResult result) {
    return ((McpSchema.TextContent) result.content().get(0)).text();
  }

  static McpSyncClient mcp(int port, String apiKey) {
    var transport =
        HttpClientStreamableHttpTransport.builder("http://127.0.0.1:" + port)
            .endpoint("/mcp")
            .httpRequestCustomizer(
                (request, method, uri, body, context) ->
                    request.header("Authorization", "Bearer " + apiKey))
            .build();
    return McpClient.sync(transport)
        .clientInfo(new McpSchema.Implementation("panel-mesh-test", "1.0.0"))
        .requestTimeout(Duration.ofSeconds(20))
        .initializationTimeout(Duration.ofSeconds(20))
        .build();
  }

  static void copy(String resource, Path to) throws IOException {
    try (InputStream in = PanelMeshTest.class.getResourceAsStream(resource)) {
      Files.write(to, in.readAllBytes());
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /**
   * The panel's UI through the traffic gateway ({@code /panels/tools/...}): HTTP with the caller's
   * credential checked and not passed on, a WebSocket relayed both ways, another organisation's
   * caller and a caller without a credential refused.
   */
  static void assertPanelUiThroughTheTrafficGateway(int gatewayPort, String apiKey, String outsider)
      throws Exception {
    var http = io.nexusmesh.testing.TestHttp.client();
    java.util.function.Function<String, java.net.http.HttpResponse<String>> get =
        credential -> {
          var request =
              java.net.http.HttpRequest.newBuilder(
                  java.net.URI.create(
                      "http://127.0.0.1:" + gatewayPort + "/panels/tools/hello?x=1"));
          if (credential != null) {
            request.header("Authorization", "Bearer " + credential);
          }
          try {
            return http.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        };
    var answered = get.apply(apiKey);
    assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
    var body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(answered.body());
    assertThat(body.get("path").asText()).isEqualTo("/hello?x=1");
    assertThat(body.get("user").asText()).isNotEmpty();
    assertThat(body.get("authorization").asText())
        .as("the caller's credential stays at the gateway")
        .isEmpty();
    assertThat(get.apply(null).statusCode()).isEqualTo(401);
    assertThat(get.apply(outsider).statusCode()).isEqualTo(404);

    var received = new java.util.concurrent.CompletableFuture<String>();
    var socket =
        http.newWebSocketBuilder()
            .header("Authorization", "Bearer " + apiKey)
            .header("Origin", "http://127.0.0.1:" + gatewayPort) // Armeria requires one
            .buildAsync(
                java.net.URI.create("ws://127.0.0.1:" + gatewayPort + "/panels/tools/ws"),
                new java.net.http.WebSocket.Listener() {
                  @Override
                  public java.util.concurrent.CompletionStage<?> onText(
                      java.net.http.WebSocket ws, CharSequence data, boolean last) {
                    received.complete(data.toString());
                    return null;
                  }
                })
            .get(10, java.util.concurrent.TimeUnit.SECONDS);
    socket.sendText("hi", true).get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(received.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("echo:hi");
    socket.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "done");
  }
}
