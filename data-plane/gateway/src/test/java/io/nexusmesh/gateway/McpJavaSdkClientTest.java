package io.nexusmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The official MCP Java SDK's client ({@code io.modelcontextprotocol.sdk}, streamable HTTP over
 * {@code java.net.http}) against the gateway's {@code /mcp}: it initializes, lists the org's tools,
 * calls them with and without progress, and gets the protocol's errors; the SDK also checks each
 * result's structured content against the tool's output schema.
 */
@ExtendWith(RedisExtension.class)
class McpJavaSdkClientTest {
  private static GatewayHarness gateway;
  private static String org;
  private static String otherOrg;

  @BeforeAll
  static void start(RedisEndpoint redis) {
    gateway = GatewayHarness.start(redis);
    org = GatewayHarness.newOrg();
    otherOrg = GatewayHarness.newOrg();
    gateway.deploy(org, "hello", ExecutionApiTest.HELLO);
    McpTest.deployToolsForAgents(gateway, org);
    gateway.deploy(otherOrg, "secret", ExecutionApiTest.HELLO);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    gateway.close();
  }

  @Test
  void listsAndCallsTheOrgsToolsOnly() {
    try (McpSyncClient client = connect(gateway.apiKey(org), progress -> {})) {
      McpSchema.InitializeResult init = client.initialize();
      assertThat(init.protocolVersion()).isEqualTo("2025-11-25"); // the SDK's newest, and ours
      assertThat(init.serverInfo().name()).isEqualTo("nexus-gateway");
      assertThat(init.capabilities().tools()).isNotNull();

      List<McpSchema.Tool> tools = client.listTools().tools();
      assertThat(tools)
          .extracting(McpSchema.Tool::name)
          .containsExactlyInAnyOrder("hello", "three-steps", "waits");
      McpSchema.Tool hello =
          tools.stream().filter(t -> t.name().equals("hello")).findFirst().orElseThrow();
      assertThat(hello.inputSchema()).containsEntry("required", List.of("name"));

      McpSchema.CallToolResult result =
          client.callTool(new McpSchema.CallToolRequest("hello", Map.of("name", "Java")));
      assertThat(result.isError()).isFalse();
      assertThat(result.structuredContent()).isEqualTo(Map.of("greeting", "Hello, Java!"));
      assertThat(result.content()).hasSize(1);
      assertThat(((McpSchema.TextContent) result.content().get(0)).text()).contains("Hello, Java!");
    }
  }

  @Test
  void progressArrivesThroughTheSdksConsumer() {
    List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();
    try (McpSyncClient client = connect(gateway.apiKey(org), progress::add)) {
      client.initialize();
      McpSchema.CallToolResult result =
          client.callTool(
              McpSchema.CallToolRequest.builder()
                  .name("three-steps")
                  .arguments(Map.of("n", 1))
                  .progressToken("java-sdk-1")
                  .build());
      // The workflow computes 4.0 (a double); integral numbers travel as integers.
      assertThat(result.structuredContent()).isEqualTo(Map.of("result", 4));
      // One per completed node; the SDK hands notifications to the consumer on its own threads,
      // so their order in the list is not the order they were sent in.
      assertThat(progress).allSatisfy(p -> assertThat(p.progressToken()).isEqualTo("java-sdk-1"));
      assertThat(progress)
          .extracting(McpSchema.ProgressNotification::progress)
          .containsExactlyInAnyOrder(1.0, 2.0, 3.0);
      assertThat(progress)
          .extracting(McpSchema.ProgressNotification::message)
          .containsExactlyInAnyOrder("node a completed", "node b completed", "node c completed");
    }
  }

  @Test
  void argumentsThatBreakTheSchemaAreAToolErrorTheModelCanRead() {
    try (McpSyncClient client = connect(gateway.apiKey(org), progress -> {})) {
      client.initialize();
      McpSchema.CallToolResult result =
          client.callTool(new McpSchema.CallToolRequest("hello", Map.of("name", "")));
      assertThat(result.isError()).isTrue();
      assertThat(((McpSchema.TextContent) result.content().get(0)).text())
          .startsWith("invalid arguments for hello:")
          .contains("arguments.name: ");
    }
  }

  @Test
  void unknownToolsAndOtherOrgsToolsAreInvalidParams() {
    try (McpSyncClient client = connect(gateway.apiKey(org), progress -> {})) {
      client.initialize();
      for (var request :
          List.of(
              new McpSchema.CallToolRequest("no-such-tool", Map.of()),
              new McpSchema.CallToolRequest("secret", Map.of("name", "x")))) {
        assertThatThrownBy(() -> client.callTool(request))
            .as(request.name())
            .isInstanceOfSatisfying(
                McpError.class,
                e ->
                    assertThat(e.getJsonRpcError().code())
                        .isEqualTo(McpSchema.ErrorCodes.INVALID_PARAMS));
      }
    }
  }

  @Test
  void aClientWithoutACredentialIsRefused() {
    try (McpSyncClient client = connect(null, progress -> {})) {
      assertThatThrownBy(client::initialize)
          .rootCause()
          .isInstanceOfSatisfying(
              McpHttpClientTransportAuthorizationException.class,
              e -> assertThat(e.getResponseInfo().statusCode()).isEqualTo(401));
    }
  }

  private static McpSyncClient connect(
      String apiKey, Consumer<McpSchema.ProgressNotification> onProgress) {
    var transport =
        HttpClientStreamableHttpTransport.builder(gateway.baseUrl())
            .endpoint("/mcp")
            .httpRequestCustomizer(
                (request, method, uri, body, context) -> {
                  if (apiKey != null) {
                    request.header("Authorization", "Bearer " + apiKey);
                  }
                })
            .build();
    return McpClient.sync(transport)
        .clientInfo(new McpSchema.Implementation("nexus-java-sdk-test", "1.0.0"))
        .requestTimeout(Duration.ofSeconds(20))
        .initializationTimeout(Duration.ofSeconds(20))
        .progressConsumer(onProgress)
        .build();
  }
}
