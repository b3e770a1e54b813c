package io.nexusmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The official MCP TypeScript SDK client (npm {@code @modelcontextprotocol/sdk}, pinned in {@code
 * src/test/node/mcp-client}) against two gateways sharing one Redis: it connects, lists and calls
 * tools on one, then continues the same MCP session on the other. Needs Node.js and npm (the npm
 * registry for {@code npm ci}); without them the test fails, it never skips.
 */
@ExtendWith(RedisExtension.class)
class McpSdkClientIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theOfficialClientListsAndCallsToolsAcrossGateways(RedisEndpoint redis) throws Exception {
    Path client = Path.of("target", "mcp-client").toAbsolutePath();
    Files.createDirectories(client);
    for (String file : List.of("package.json", "package-lock.json", "mcp-client.mjs")) {
      Files.copy(
          Path.of("src/test/node/mcp-client", file),
          client.resolve(file),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    assertThat(run(client, "npm", "ci", "--no-audit", "--no-fund").exit()).isZero();

    try (var a = GatewayHarness.start(redis);
        var b = GatewayHarness.start(redis)) {
      String org = GatewayHarness.newOrg();
      for (GatewayHarness g : List.of(a, b)) {
        g.deploy(org, "hello", ExecutionApiTest.HELLO);
        McpTest.deployToolsForAgents(g, org);
      }
      var result = run(client, "node", "mcp-client.mjs", a.baseUrl(), b.baseUrl(), a.apiKey(org));
      assertThat(result.exit()).as(result.output()).isZero();
      Map<String, JsonNode> steps = new HashMap<>();
      for (String line : result.output().lines().toList()) {
        if (line.startsWith("{")) {
          JsonNode step = JSON.readTree(line);
          steps.put(step.path("step").asText(), step.path("value"));
        }
      }
      assertThat(steps)
          .as(result.output())
          .containsKeys("session", "tools", "call", "unknown", "callOnB");
      assertThat(steps.get("server").path("name").asText()).isEqualTo("nexus-gateway");
      assertThat(steps.get("tools").get(0).path("name").asText()).isEqualTo("hello");
      assertThat(steps.get("tools").get(0).path("inputSchema").path("required").get(0).asText())
          .isEqualTo("name");
      assertThat(steps.get("call").path("structuredContent").path("greeting").asText())
          .isEqualTo("Hello, SDK!");
      assertThat(steps.get("unknown").path("code").asInt()).isEqualTo(-32602);
      assertThat(steps.get("progress")).hasSize(3);
      assertThat(steps.get("progress").get(2).path("progress").asInt()).isEqualTo(3);
      assertThat(steps.get("threeSteps").path("structuredContent").path("result").asDouble())
          .isEqualTo(4.0);
      assertThat(steps.get("aborted").path("message").asText()).isNotEmpty();
      // The abort reached the gateway as notifications/cancelled: the run ended CANCELLED.
      var executions = a.executions(org);
      await()
          .atMost(java.time.Duration.ofSeconds(20))
          .until(
              () ->
                  executions
                      .listExecutions(
                          io.nexusmesh.api.gateway.v1.ListExecutionsRequest.newBuilder()
                              .setWorkflowId("waits")
                              .build())
                      .getExecutionsList()
                      .stream()
                      .anyMatch(
                          e ->
                              e.getStatus()
                                  == io.nexusmesh.api.gateway.v1.ExecutionStatus
                                      .EXECUTION_STATUS_CANCELLED));
      assertThat(steps.get("sessionOnB").asText()).isEqualTo(steps.get("session").asText());
      assertThat(steps.get("callOnB").path("structuredContent").path("greeting").asText())
          .isEqualTo("Hello, B!");
    }
  }

  private record Result(int exit, String output) {}

  private static Result run(Path dir, String... command) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(180, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish: " + output);
    }
    return new Result(process.exitValue(), output);
  }
}
