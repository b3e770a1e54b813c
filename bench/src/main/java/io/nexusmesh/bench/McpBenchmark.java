package io.nexusmesh.bench;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;

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
          new Scenario(
              "MCP Java SDK server (Tomcat)",
              null,
              () -> onSdk.call("hello", "{\"name\": \"Ada\"}", "\"greeting\":\"Hello, Ada!\""));
      BenchRun.runAndPrint(
          load,
          List.of(
              sdk,
              new Scenario(
                  "gateway /mcp, ephemeral workflow",
                  sdk,
                  () ->
                      onGateway.call(
                          "hello-ephemeral",
                          "{\"name\": \"Ada\"}",
                          "\"greeting\":\"Hello, Ada!\"")),
              new Scenario(
                  "gateway /mcp, durable workflow",
                  sdk,
                  () ->
                      onGateway.call(
                          "hello-durable",
                          "{\"name\": \"Ada\"}",
                          "\"greeting\":\"Hello, Ada!\""))));
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
}
