package io.nexusmesh.bench;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.jspecify.annotations.Nullable;

/**
 * MCP {@code tools/call} on the gateway against the official MCP Java SDK's own server doing the
 * same work in the same run: a {@code hello} tool (input {@code {"name": ...}}, structured output
 * {@code {"greeting": "Hello, <name>!"}}). The SDK server is its streamable HTTP servlet transport
 * in embedded Tomcat with the tool written in Java; the gateway's tool is a deployed one-node CEL
 * workflow, EPHEMERAL (no journal) and, as a second scenario, DURABLE (journaled in Redis). The
 * gateway does more per call than the SDK server: it checks the API key, the MCP session in Redis
 * and the input schema. Every call is a JSON-RPC POST over HTTP/1.1 (what MCP clients send) inside
 * one initialized MCP session per server; p50, p99, throughput and the ratios to the SDK server are
 * printed.
 *
 * <p>Settings as in {@link GatewayBenchmark}: {@code bench.concurrency} (8), {@code bench.warmup}
 * (5 s), {@code bench.seconds} (10 s).
 */
public final class McpBenchmark {
  private static final String INPUT_SCHEMA =
      """
      {"type": "object", "required": ["name"],
       "properties": {"name": {"type": "string", "minLength": 1}}}""";
  private static final String OUTPUT_SCHEMA =
      """
      {"type": "object", "required": ["greeting"], "properties": {"greeting": {"type": "string"}}}""";
  private static final String PROTOCOL_VERSION = "2025-06-18";

  private McpBenchmark() {}

  public static void main(String[] args) throws Exception {
    LoadGenerator load = BenchRun.loadFromSystemProperties();

    Tomcat tomcat = sdkServer();
    tomcat.start();
    BenchGateway gateway = BenchGateway.start();
    for (String mode : List.of("EPHEMERAL", "DURABLE")) {
      gateway.deploy(
          "hello-" + mode.toLowerCase(java.util.Locale.ROOT),
          """
          {"nodes": [{"id": "greet", "transform": {"expression": "{'greeting': 'Hello, ' + input.name + '!'}"}}],
           "inputSchema": %s, "outputSchema": %s, "mode": "EXECUTION_MODE_%s"}"""
              .formatted(INPUT_SCHEMA, OUTPUT_SCHEMA, mode));
    }

    // HTTP/1.1 to both servers, as MCP clients connect (Tomcat's connector here speaks only it).
    try (ClientFactory factory = ClientFactory.builder().build()) {
      McpSession onSdk =
          McpSession.open(
              WebClient.builder("h1c://127.0.0.1:" + tomcat.getConnector().getLocalPort())
                  .factory(factory)
                  .build(),
              null);
      McpSession onGateway =
          McpSession.open(
              WebClient.builder("h1c://127.0.0.1:" + gateway.port()).factory(factory).build(),
              gateway.key.secret());

      System.out.printf(
          "Nexus Mesh MCP benchmark: tools/call, %d callers, %d cores%n",
          load.concurrency(), Runtime.getRuntime().availableProcessors());
      Scenario sdk =
          new Scenario("MCP Java SDK server (Tomcat)", null, () -> onSdk.callHello("hello"));
      BenchRun.runAndPrint(
          load,
          List.of(
              sdk,
              new Scenario(
                  "gateway /mcp, ephemeral workflow",
                  sdk,
                  () -> onGateway.callHello("hello-ephemeral")),
              new Scenario(
                  "gateway /mcp, durable workflow",
                  sdk,
                  () -> onGateway.callHello("hello-durable"))));
    }
    gateway.close();
    tomcat.stop();
    tomcat.destroy();
    System.exit(0);
  }

  /** The official SDK's streamable HTTP server with the same {@code hello} tool, in Tomcat. */
  private static Tomcat sdkServer() throws Exception {
    var json = McpJsonDefaults.getMapper();
    HttpServletStreamableServerTransportProvider transport =
        HttpServletStreamableServerTransportProvider.builder()
            .jsonMapper(json)
            .mcpEndpoint("/mcp")
            .build();
    McpSchema.Tool hello =
        McpSchema.Tool.builder()
            .name("hello")
            .description("Greets a person by name.")
            .inputSchema(json, INPUT_SCHEMA)
            .outputSchema(json, OUTPUT_SCHEMA)
            .build();
    McpSyncServer server =
        McpServer.sync(transport)
            .serverInfo("mcp-java-sdk-bench", "2.1.0")
            .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
            .toolCall(
                hello,
                (exchange, request) -> {
                  String greeting = "Hello, " + request.arguments().get("name") + "!";
                  return McpSchema.CallToolResult.builder()
                      .structuredContent(Map.of("greeting", greeting))
                      .addTextContent("{\"greeting\":\"" + greeting + "\"}")
                      .build();
                })
            .build();
    Runtime.getRuntime().addShutdownHook(new Thread(server::closeGracefully));

    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createTempDirectory("mcp-sdk-tomcat").toString());
    tomcat.setPort(0);
    Context context = tomcat.addContext("", null);
    Tomcat.addServlet(context, "mcp", transport).setAsyncSupported(true);
    context.addServletMappingDecoded("/*", "mcp");
    tomcat.getConnector();
    return tomcat;
  }

  /** One initialized MCP session over streamable HTTP, driven with plain JSON-RPC POSTs. */
  private record McpSession(
      WebClient client, @Nullable String credential, String id, AtomicLong ids) {
    static McpSession open(WebClient client, @Nullable String credential) {
      AggregatedHttpResponse init =
          post(
              client,
              credential,
              null,
              """
              {"jsonrpc": "2.0", "id": 0, "method": "initialize",
               "params": {"protocolVersion": "%s", "capabilities": {},
                          "clientInfo": {"name": "nexus-bench", "version": "1"}}}"""
                  .formatted(PROTOCOL_VERSION));
      String session = init.headers().get("mcp-session-id");
      if (init.status().code() != 200 || session == null) {
        throw new IllegalStateException(
            "initialize answered " + init.status() + ": " + init.contentUtf8());
      }
      post(
          client,
          credential,
          session,
          "{\"jsonrpc\": \"2.0\", \"method\": \"notifications/initialized\"}");
      return new McpSession(client, credential, session, new AtomicLong());
    }

    void callHello(String tool) {
      AggregatedHttpResponse answer =
          post(
              client,
              credential,
              id,
              """
              {"jsonrpc": "2.0", "id": %d, "method": "tools/call",
               "params": {"name": "%s", "arguments": {"name": "Ada"}}}"""
                  .formatted(ids.incrementAndGet(), tool));
      String body = answer.contentUtf8();
      if (answer.status().code() != 200 || !body.contains("\"greeting\":\"Hello, Ada!\"")) {
        throw new IllegalStateException("tools/call answered " + answer.status() + ": " + body);
      }
    }

    private static AggregatedHttpResponse post(
        WebClient client, @Nullable String credential, @Nullable String session, String body) {
      RequestHeadersBuilder headers =
          RequestHeaders.builder(HttpMethod.POST, "/mcp")
              .contentType(MediaType.JSON_UTF_8)
              .add("accept", "application/json, text/event-stream")
              .add("mcp-protocol-version", PROTOCOL_VERSION);
      if (credential != null) {
        headers.add("authorization", "Bearer " + credential);
      }
      if (session != null) {
        headers.add("mcp-session-id", session);
      }
      return client.blocking().execute(HttpRequest.of(headers.build(), HttpData.ofUtf8(body)));
    }
  }
}
