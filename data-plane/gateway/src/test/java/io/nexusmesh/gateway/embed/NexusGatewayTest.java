package io.nexusmesh.gateway.embed;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecuteResponse;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two embedded gateways in this JVM, on one real Redis, each with its own Java tools and workflows:
 * each tool is an MCP tool (the official MCP Java SDK's client lists and calls it) and a workflow
 * {@code tool} node (run over gRPC); neither gateway sees the other's tools or accepts its key.
 */
@ExtendWith(RedisExtension.class)
class NexusGatewayTest {
  static NexusGateway shop;
  static NexusGateway bank;
  static final List<ManagedChannel> channels = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeAll
  static void start(RedisEndpoint redis) throws Exception {
    String payloads = Files.createTempDirectory("nexus-embedded").toString();
    shop =
        NexusGateway.builder()
            .redis(redis.uri())
            .org("shop")
            .setting("NEXUS_PAYLOAD_STORE", payloads)
            .tool(
                "price",
                "The price of an item.",
                """
                {"type": "object", "required": ["item"], "properties": {"item": {"type": "string"}}}""",
                args -> number(args.getFieldsOrThrow("item").getStringValue().length() * 1.5))
            .workflow(
                "quote",
                """
                {"nodes": [{"id": "price", "tool": {"panel": "java", "tool": "price", "arguments": "{'item': input.item}"}},
                           {"id": "total", "transform": {"expression": "{'total': nodes.price * 2.0}"}}],
                 "edges": [{"from": "price", "to": "total"}]}""")
            .build()
            .start();
    bank =
        NexusGateway.builder()
            .redis(redis.uri())
            .org("bank")
            .setting("NEXUS_PAYLOAD_STORE", payloads)
            .tool(
                "balance",
                "An account's balance.",
                "{\"type\": \"object\"}",
                args -> {
                  throw new IllegalStateException("the ledger is closed");
                })
            .build()
            .start();
  }

  @AfterAll
  static void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    bank.close();
    shop.close();
  }

  @Test
  void aJavaToolIsAWorkflowsToolNode() {
    ExecuteResponse response =
        stub(shop, shop.apiKey())
            .execute(
                ExecuteRequest.newBuilder()
                    .setWorkflow("quote")
                    .setInput(
                        Struct.newBuilder()
                            .putFields("item", Value.newBuilder().setStringValue("apple").build()))
                    .build());
    assertThat(response.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_SUCCEEDED);
    assertThat(response.getOutput().getFieldsOrThrow("total").getNumberValue()).isEqualTo(15.0);
  }

  @Test
  void aJavaToolIsAnMcpToolOfItsGatewayOnly() {
    try (McpSyncClient client = mcp(shop, shop.apiKey())) {
      client.initialize();
      List<String> names = client.listTools().tools().stream().map(McpSchema.Tool::name).toList();
      assertThat(names).contains("quote", "java.price").doesNotContain("java.balance");
      var result =
          client.callTool(new McpSchema.CallToolRequest("java.price", Map.of("item", "pear")));
      assertThat(result.isError()).isNotEqualTo(Boolean.TRUE);
      assertThat(result.content().toString()).contains("6");
    }
    try (McpSyncClient client = mcp(bank, bank.apiKey())) {
      client.initialize();
      List<String> names = client.listTools().tools().stream().map(McpSchema.Tool::name).toList();
      assertThat(names).containsExactly("java.balance");
      var failed = client.callTool(new McpSchema.CallToolRequest("java.balance", Map.of()));
      assertThat(failed.isError()).isTrue();
      assertThat(failed.content().toString()).contains("the ledger is closed");
    }
  }

  @Test
  void oneGatewaysKeyIsNoKeyOfTheOther() {
    var error =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            io.grpc.StatusRuntimeException.class,
            () ->
                stub(bank, shop.apiKey())
                    .execute(ExecuteRequest.newBuilder().setWorkflow("quote").build()));
    assertThat(error.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED);
  }

  private static Value number(double n) {
    return Value.newBuilder().setNumberValue(n).build();
  }

  private static ExecutionServiceGrpc.ExecutionServiceBlockingStub stub(
      NexusGateway gateway, String key) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    channels.add(channel);
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
    return ExecutionServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private static McpSyncClient mcp(NexusGateway gateway, String key) {
    var transport =
        HttpClientStreamableHttpTransport.builder("http://127.0.0.1:" + gateway.port())
            .endpoint("/mcp")
            .httpRequestCustomizer(
                (request, method, uri, body, context) ->
                    request.header("Authorization", "Bearer " + key))
            .build();
    return McpClient.sync(transport)
        .clientInfo(new McpSchema.Implementation("nexus-embedded-test", "1.0.0"))
        .requestTimeout(Duration.ofSeconds(20))
        .initializationTimeout(Duration.ofSeconds(20))
        .build();
  }
}
