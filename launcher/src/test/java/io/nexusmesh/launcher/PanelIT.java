package io.nexusmesh.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Panels as a user meets them: {@code nexus panel init} and {@code nexus panel run} against a real
 * {@code nexus dev}, the user server under the real {@code runsc} in a loopback-only network
 * namespace, a real sidecar beside it, called over MCP (JSON-RPC over HTTP) and by a workflow's
 * {@code tool} node. The probe panel (test resources) reports what the sandbox lets it see and do;
 * no test sends anything off this machine: isolation is shown by interfaces, routes and refused
 * loopback ports.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PanelIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = io.nexusmesh.testing.TestHttp.client();

  @TempDir static Path home;
  @TempDir static Path work;
  static Map<String, String> ports;
  static NexusProcess nexus;
  static NexusProcess.Follower hello;
  static NexusProcess.Follower probe;
  static String session;

  @BeforeAll
  static void start() throws Exception {
    ports = NexusProcess.freeDevPorts();
    nexus = new NexusProcess(home, ports);
    nexus.startDev();
  }

  @AfterAll
  static void stop() throws Exception {
    if (hello != null) {
      hello.close();
    }
    if (probe != null) {
      probe.close();
    }
    nexus.stopDev();
  }

  private static Map<String, String> sidecarEnv() {
    return Map.of(
        "NEXUS_REDIS_URL", "redis://127.0.0.1:" + ports.get("NEXUS_DEV_REDIS_PORT"),
        "NEXUS_CONTROL_PLANE_URL", "http://127.0.0.1:" + ports.get("NEXUS_CONTROL_PLANE_PORT"));
  }

  @Test
  @Order(1)
  void aTemplatePanelRunsUnderGvisorAndItsToolsAreListed() throws Exception {
    var init =
        nexus.bash(
            "cd "
                + work
                + " && "
                + NexusProcess.ROOT.resolve("nexus")
                + " panel init --lang python hello");
    assertThat(init.exit()).as(init.all()).isZero();
    assertThat(work.resolve("hello/panel.yaml")).exists();
    hello = nexus.followWith(sidecarEnv(), "panel", "run", work.resolve("hello").toString());
    hello.awaitLine("sandboxed by gVisor");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> nexus.nexus("panel", "list").stdout().contains("hello.greet"));
    assertThat(nexus.nexus("panel", "list").stdout()).contains("READY", "hello.add");

    session = mcpSession();
    JsonNode tools = mcp("tools/list", JSON.createObjectNode()).path("result").path("tools");
    assertThat(tools.findValuesAsText("name")).contains("hello", "hello.greet", "hello.add");

    JsonNode greeting = call("hello.greet", "{\"name\": \"Ada\"}");
    assertThat(greeting.path("isError").asBoolean()).as(greeting.toString()).isFalse();
    assertThat(greeting.path("structuredContent").path("greeting").asText())
        .isEqualTo("Hello, Ada!");

    // The tool's input schema is checked by the sidecar before the panel sees the call.
    JsonNode missing = call("hello.greet", "{}");
    assertThat(missing.path("isError").asBoolean()).isTrue();
    assertThat(missing.toString()).contains("arguments.name");
  }

  @Test
  @Order(2)
  void aWorkflowToolNodeCallsThePanelAsAJournaledStep() throws Exception {
    Path spec = work.resolve("greeter.yaml");
    Files.writeString(
        spec,
        """
        id: greeter
        description: Asks the hello panel to greet.
        spec:
          nodes:
            - id: greet
              tool: {panel: hello, tool: greet, arguments: "{'name': input.name}"}
          output: "nodes.greet"
        """);
    var apply = nexus.nexus("workflows", "apply", "-f", spec.toString());
    assertThat(apply.exit()).as(apply.all()).isZero();
    var deploy = nexus.nexus("deploy", "create", "greeter", "--watch");
    assertThat(deploy.exit()).as(deploy.all()).isZero();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        nexus.nexus("run", "greeter", "--input", "{\"name\": \"Grace\"}").stdout())
                    .contains("Hello, Grace!"));
  }

  @Test
  @Order(3)
  void theSandboxHasOnlyLoopbackAndNeitherSecretsNorTheHostsServices() throws Exception {
    probe = nexus.followWith(sidecarEnv(), "panel", "run", copyProbe().toString());
    probe.awaitLine("sandboxed by gVisor");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> nexus.nexus("panel", "list").stdout().contains("probe.inspect"));
    session = mcpSession();
    JsonNode seen = call("probe.inspect", "{}").path("structuredContent");
    assertThat(seen.path("kernel").asText()).as("gVisor's kernel").contains("4.4.0");
    assertThat(JSON.convertValue(seen.path("interfaces"), String[].class)).containsExactly("lo");
    // /proc/net/route lists no route at all: nothing leaves the namespace.
    assertThat(seen.path("routes").asText().lines().skip(1).toList()).isEmpty();
    String everything = seen.toString();
    assertThat(everything).doesNotContain("nxp_", "nxk_", "NEXUS_PANEL_CREDENTIAL", "NEXUS_TOKEN");
    assertThat(seen.path("environ").has("NEXUS_APP_TOKEN")).isTrue();
    assertThat(JSON.convertValue(seen.path("root"), String[].class)).doesNotContain("root", "home");

    JsonNode reached =
        call(
                "probe.connect",
                "{\"ports\": ["
                    + ports.get("NEXUS_DEV_REDIS_PORT")
                    + ", "
                    + ports.get("NEXUS_CONTROL_PLANE_PORT")
                    + ", "
                    + ports.get("NEXUS_GATEWAY_PORT")
                    + "]}")
            .path("structuredContent");
    reached.forEach(outcome -> assertThat(outcome.asText()).isNotEqualTo("connected"));
    assertThat(reached.size()).isEqualTo(3);
  }

  @Test
  @Order(4)
  void aMessageThePanelPublishesIsStampedWithItsOwnIdentity() throws Exception {
    JsonNode forged = call("probe.forge", "{}").path("structuredContent");
    assertThat(forged.path("publishStatus").asInt()).isEqualTo(202);
    assertThat(forged.path("errors")).as(forged.toString()).isEmpty();
    JsonNode sender = forged.path("received").path("sender");
    assertThat(sender.path("panel").asText()).isEqualTo("probe");
    assertThat(sender.path("org").asText()).isNotEqualTo("other-org").isNotEmpty();
    assertThat(forged.path("received").path("payload").path("hello").asInt()).isEqualTo(1);
  }

  @Test
  @Order(5)
  void aToolErrorAndAPanelKilledMidCallAreClearAndItsToolsComeBack() throws Exception {
    JsonNode failed = call("probe.fail", "{}");
    assertThat(failed.path("isError").asBoolean()).isTrue();
    assertThat(failed.toString()).contains("the probe refuses, as asked");

    JsonNode crashed = call("probe.crash", "{}");
    assertThat(crashed.path("isError").asBoolean()).isTrue();
    assertThat(crashed.toString()).containsIgnoringCase("not answering");
    probe.awaitLine("restarting");
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> assertThat(call("probe.inspect", "{}").path("isError").asBoolean()).isFalse());
  }

  private static Path copyProbe() throws IOException {
    Path dir = work.resolve("probe");
    Files.createDirectories(dir);
    for (String file : new String[] {"panel.yaml", "main.py"}) {
      try (var in = PanelIT.class.getResourceAsStream("/panels/probe/" + file)) {
        Files.write(dir.resolve(file), in.readAllBytes());
      }
    }
    return dir;
  }

  private static JsonNode call(String tool, String arguments) throws Exception {
    var params = JSON.createObjectNode().put("name", tool);
    params.set("arguments", JSON.readTree(arguments));
    JsonNode answer = mcp("tools/call", params);
    assertThat(answer.has("result")).as(answer.toString()).isTrue();
    return answer.get("result");
  }

  private static String mcpSession() throws Exception {
    var params = JSON.createObjectNode().put("protocolVersion", "2025-06-18");
    params.putObject("capabilities");
    params.putObject("clientInfo").put("name", "panel-it").put("version", "1");
    HttpResponse<String> response = post("initialize", params, null);
    return response.headers().firstValue("mcp-session-id").orElseThrow();
  }

  private static JsonNode mcp(String method, JsonNode params) throws Exception {
    return JSON.readTree(post(method, params, session).body());
  }

  private static HttpResponse<String> post(String method, JsonNode params, String session)
      throws Exception {
    var body = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", 1).put("method", method);
    body.set("params", params);
    var request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + ports.get("NEXUS_GATEWAY_PORT") + "/mcp"))
            .header("Authorization", "Bearer " + nexus.devCredentials().get("NEXUS_API_KEY"))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (session != null) {
      request.header("Mcp-Session-Id", session);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
