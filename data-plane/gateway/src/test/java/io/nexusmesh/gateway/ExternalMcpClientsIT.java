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
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * External MCP clients, run as processes against gateways sharing one Redis: the official MCP
 * TypeScript SDK client and the MCP inspector's CLI, both pinned in {@code
 * src/test/node/mcp-clients} and installed with {@code npm ci} (the inspector runs on the Node.js
 * 22 its engines field asks for, which npm installs as the {@code node} package). Needs Node.js and
 * npm; without them the test fails, it never skips.
 */
@ExtendWith(RedisExtension.class)
class ExternalMcpClientsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path CLIENTS = Path.of("target", "mcp-clients").toAbsolutePath();
  private static GatewayHarness a;
  private static GatewayHarness b;
  private static String org;
  private static String otherOrg;

  @BeforeAll
  static void installClientsAndStartGateways(RedisEndpoint redis) throws Exception {
    Files.createDirectories(CLIENTS);
    for (String file : List.of("package.json", "package-lock.json", "mcp-client.mjs")) {
      Files.copy(
          Path.of("src/test/node/mcp-clients", file),
          CLIENTS.resolve(file),
          StandardCopyOption.REPLACE_EXISTING);
    }
    Result install = run("npm", "ci", "--no-audit", "--no-fund");
    assertThat(install.exit()).as(install.output()).isZero();
    a = GatewayHarness.start(redis);
    b = GatewayHarness.start(redis);
    org = GatewayHarness.newOrg();
    otherOrg = GatewayHarness.newOrg();
    for (GatewayHarness g : List.of(a, b)) {
      g.deploy(org, "hello", ExecutionApiTest.HELLO);
      McpTest.deployToolsForAgents(g, org);
      g.deploy(otherOrg, "secret", ExecutionApiTest.HELLO);
    }
  }

  @AfterAll
  static void stopGateways() throws InterruptedException {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
  }

  @Test
  void theTypeScriptSdkClientListsAndCallsToolsAcrossGateways() throws Exception {
    var result = run("node", "mcp-client.mjs", a.baseUrl(), b.baseUrl(), a.apiKey(org));
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
    assertThat(steps.get("protocol").asText()).isEqualTo("2025-11-25"); // the SDK's newest
    // Arguments that break the schema: a tool error from 2025-11-25 on.
    assertThat(steps.get("badArguments").path("isError").asBoolean()).isTrue();
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

  @Test
  void theInspectorCliListsAndCallsTheOrgsTools() throws Exception {
    String key = a.apiKey(org);
    Result listed = inspector(a, key, "--method", "tools/list");
    assertThat(listed.exit()).as(listed.output()).isZero();
    assertThat(names(JSON.readTree(listed.output()).path("tools")))
        .containsExactlyInAnyOrder("hello", "three-steps", "waits");

    Result called =
        inspector(
            b,
            key,
            "--method",
            "tools/call",
            "--tool-name",
            "hello",
            "--tool-arg",
            "name=Inspector");
    assertThat(called.exit()).as(called.output()).isZero();
    JsonNode result = JSON.readTree(called.output());
    assertThat(result.path("isError").asBoolean()).isFalse();
    assertThat(result.path("structuredContent").path("greeting").asText())
        .isEqualTo("Hello, Inspector!");

    Result otherOrgsTool =
        inspector(
            a, key, "--method", "tools/call", "--tool-name", "secret", "--tool-arg", "name=x");
    assertThat(otherOrgsTool.exit()).isNotZero();
    assertThat(otherOrgsTool.output())
        .contains("MCP error -32602")
        .contains("unknown tool: secret");

    Result withoutKey = inspector(a, null, "--method", "tools/list");
    assertThat(withoutKey.exit()).isNotZero();
    assertThat(withoutKey.output()).contains("invalid_token").doesNotContain("\"tools\"");
  }

  /** Runs the inspector's CLI mode against {@code gateway}'s /mcp, with the key as a header. */
  private static Result inspector(GatewayHarness gateway, String key, String... args)
      throws IOException, InterruptedException {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                CLIENTS.resolve("node_modules/.bin/node").toString(),
                "node_modules/@modelcontextprotocol/inspector/cli/build/cli.js",
                "--cli",
                gateway.baseUrl() + "/mcp",
                "--transport",
                "http"));
    if (key != null) {
      command.addAll(List.of("--header", "Authorization: Bearer " + key));
    }
    command.addAll(List.of(args));
    return run(command.toArray(String[]::new));
  }

  private static List<String> names(JsonNode tools) {
    List<String> names = new java.util.ArrayList<>();
    tools.forEach(tool -> names.add(tool.path("name").asText()));
    return names;
  }

  private record Result(int exit, String output) {}

  private static Result run(String... command) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(command).directory(CLIENTS.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(180, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish: " + output);
    }
    return new Result(process.exitValue(), output);
  }
}
