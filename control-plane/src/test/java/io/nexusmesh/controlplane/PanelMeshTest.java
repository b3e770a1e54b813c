package io.nexusmesh.controlplane;

import static io.nexusmesh.controlplane.ControlPlaneHarness.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.nexusmesh.api.controlplane.v1.ApiKeyServiceGrpc;
import io.nexusmesh.api.controlplane.v1.CreateApiKeyRequest;
import io.nexusmesh.api.controlplane.v1.CreatePanelRequest;
import io.nexusmesh.api.controlplane.v1.DeletePanelRequest;
import io.nexusmesh.api.controlplane.v1.GetPanelRequest;
import io.nexusmesh.api.controlplane.v1.IssuePanelCredentialRequest;
import io.nexusmesh.api.controlplane.v1.ListPanelsRequest;
import io.nexusmesh.api.controlplane.v1.ListWorkflowsRequest;
import io.nexusmesh.api.controlplane.v1.Panel;
import io.nexusmesh.api.controlplane.v1.RenewPanelCredentialRequest;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.sidecar.v1.ManifestState;
import io.nexusmesh.sidecar.PanelApp;
import io.nexusmesh.sidecar.Sidecar;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A panel through the whole mesh: a real control plane (H2), a real gateway (Redis) registered with
 * it, a real sidecar and, beside it, a panel that is a real Python process whose manifest the test
 * rewrites. Called by the official MCP Java SDK client and by a workflow's {@code tool} node over
 * grpc-java. (Under gVisor, through {@code nexus panel run}: the launcher's {@code PanelIT}.)
 */
@ExtendWith(RedisExtension.class)
class PanelMeshTest {
  private static final String TOOLS =
      """
      {"tools": [
        {"name": "echo", "desc": "Echoes its arguments.", "inputSchema": {"type": "object",
          "properties": {"x": {"type": "integer"}}, "required": ["x"]}},
        {"name": "slow", "desc": "Sleeps."},
        {"name": "fail", "desc": "Always fails."}]}""";

  @TempDir Path panelDir;

  @Test
  void aPanelsToolsServeEveryChannelUnderItsOwnIdentityAndDieWithIt(RedisEndpoint redis)
      throws Exception {
    String org = "pan-" + UUID.randomUUID().toString().substring(0, 6);
    // The gateway reaches the sidecar through xds:///panel.tools, resolved by grpc-java's xDS
    // client against this control plane's xDS server.
    var xds = XdsTestBootstrap.get();
    try (var cp = ControlPlaneHarness.start(xds.properties())) {
      xds.subscribeAs(cp.gatewayToken(org, "gw-pan"));
      var gateway =
          cp.startGateway(
              redis,
              org,
              "gw-pan",
              "dev",
              true,
              java.util.Map.of("NEXUS_XDS_SERVER", "127.0.0.1:" + xds.port));
      ManagedChannel gw =
          NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      Process panel = null;
      Sidecar sidecar = null;
      try {
        await().atMost(Duration.ofSeconds(20)).until(gateway::registered);
        String dev = cp.token("dev", org, "developer");
        String viewer = cp.token("vic", org, "viewer");
        String outsider = cp.token("eve", "other-" + org, "admin");
        var panels = PanelMeshSupport.panelsAs(cp, dev);

        // Developers create panels; viewers read them; another org never sees them.
        assertThat(
                codeOf(
                    () ->
                        PanelMeshSupport.panelsAs(cp, viewer)
                            .createPanel(CreatePanelRequest.newBuilder().setName("x").build())))
            .isEqualTo(Status.Code.PERMISSION_DENIED);
        Panel created =
            panels.createPanel(CreatePanelRequest.newBuilder().setName("tools").build()).getPanel();
        assertThat(created.getCreator()).isEqualTo("dev");
        assertThat(
                codeOf(
                    () ->
                        panels.createPanel(
                            CreatePanelRequest.newBuilder().setName("tools").build())))
            .isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(
                PanelMeshSupport.panelsAs(cp, viewer)
                    .listPanels(ListPanelsRequest.getDefaultInstance())
                    .getPanelsList())
            .extracting(Panel::getName)
            .containsExactly("tools");
        assertThat(
                codeOf(
                    () ->
                        PanelMeshSupport.panelsAs(cp, outsider)
                            .getPanel(GetPanelRequest.newBuilder().setName("tools").build())))
            .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(
                codeOf(
                    () ->
                        panels.createPanel(
                            CreatePanelRequest.newBuilder().setName("Bad_Name").build())))
            .isEqualTo(Status.Code.INVALID_ARGUMENT);

        // The panel's credential works for the panel's own RPCs only, and never on a gateway.
        String credential =
            panels
                .issuePanelCredential(
                    IssuePanelCredentialRequest.newBuilder().setName("tools").build())
                .getCredential();
        assertThat(credential).startsWith("nxp_");
        assertThat(
                codeOf(
                    () ->
                        cp.as(WorkflowServiceGrpc.newBlockingStub(cp.channel), credential)
                            .listWorkflows(ListWorkflowsRequest.getDefaultInstance())))
            .isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(
                codeOf(
                    () ->
                        PanelMeshSupport.panelsAs(cp, credential)
                            .createPanel(CreatePanelRequest.newBuilder().setName("mine").build())))
            .isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(
                codeOf(
                    () ->
                        cp.as(ExecutionServiceGrpc.newBlockingStub(gw), credential)
                            .execute(ExecuteRequest.newBuilder().setWorkflow("hello").build())))
            .isEqualTo(Status.Code.UNAUTHENTICATED);

        // The panel (a real process) and its sidecar.
        Files.writeString(panelDir.resolve("manifest.json"), TOOLS);
        PanelMeshSupport.copy("/panels/switchable.py", panelDir.resolve("main.py"));
        String appToken = PanelApp.newAppToken();
        int port = PanelMeshSupport.freePort();
        panel = PanelMeshSupport.startPanel(panelDir, port, appToken);
        sidecar =
            PanelMeshSupport.startSidecar(
                cp,
                credential,
                redis,
                port,
                appToken,
                io.nexusmesh.runtime.telemetry.Telemetry.fromEnvironment("nexus-sidecar"));
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    panels
                        .getPanel(GetPanelRequest.newBuilder().setName("tools").build())
                        .getPanel(),
                p ->
                    p.getInstance().getManifestState() == ManifestState.MANIFEST_STATE_READY
                        && p.getInstance().getToolsCount() == 3);
        // Readiness reflects the manifest and the registration.
        var ready = PanelMeshSupport.readiness(sidecar.meshPort());
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(ready.body()).contains("MANIFEST_STATE_READY", "\"registered\":true");

        String key =
            cp.as(ApiKeyServiceGrpc.newBlockingStub(cp.channel), cp.token("ada", org, "admin"))
                .createApiKey(CreateApiKeyRequest.newBuilder().setDisplayName("app").build())
                .getSecret();
        // The new key reaches the gateway with the org's key set, a moment after it is made.
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    codeOf(
                        () ->
                            cp.as(ExecutionServiceGrpc.newBlockingStub(gw), key)
                                .execute(
                                    ExecuteRequest.newBuilder().setWorkflow("absent").build())),
                code -> code != Status.Code.UNAUTHENTICATED);
        PanelMeshSupport.assertPanelUiThroughTheTrafficGateway(
            gateway.port(),
            key,
            cp.issuer.mint(
                io.nexusmesh.runtime.auth.DevTokenIssuer.TokenRequest.user(
                    "eve", "other-" + org, io.nexusmesh.runtime.auth.Audiences.GATEWAY, "admin")));
        try (McpSyncClient mcp = PanelMeshSupport.mcp(gateway.port(), key)) {
          mcp.initialize();
          await()
              .atMost(Duration.ofSeconds(20))
              .until(
                  () -> mcp.listTools().tools().stream().map(McpSchema.Tool::name).toList(),
                  names -> names.containsAll(List.of("tools.echo", "tools.slow", "tools.fail")));
          McpSchema.Tool echo =
              mcp.listTools().tools().stream()
                  .filter(t -> t.name().equals("tools.echo"))
                  .findFirst()
                  .orElseThrow();
          assertThat(echo.description()).isEqualTo("Echoes its arguments.");
          assertThat(echo.inputSchema()).containsEntry("required", List.of("x"));

          var result = mcp.callTool(new McpSchema.CallToolRequest("tools.echo", Map.of("x", 7)));
          assertThat(result.isError()).as(result.toString()).isFalse();
          @SuppressWarnings("unchecked")
          var output = (Map<String, Object>) result.structuredContent();
          assertThat(output.get("arguments")).isEqualTo(Map.of("x", 7));
          assertThat((String) output.get("idempotencyKey")).endsWith("/call/1");
          assertThat(output.get("requestId")).isEqualTo(output.get("idempotencyKey"));

          // The sidecar checks the tool's schema; the panel's own error comes back as its message.
          var invalid = mcp.callTool(new McpSchema.CallToolRequest("tools.echo", Map.of("x", "a")));
          assertThat(invalid.isError()).isTrue();
          assertThat(PanelMeshSupport.text(invalid)).contains("arguments.x");
          var failed = mcp.callTool(new McpSchema.CallToolRequest("tools.fail", Map.of()));
          assertThat(failed.isError()).isTrue();
          assertThat(PanelMeshSupport.text(failed)).contains("the backend is on fire");
        }

        // A workflow's tool node: a journaled step with its idempotency key; a slow tool times out.
        String admin = cp.token("ada", org, "admin");
        MeshTestSupport.deploy(
            cp,
            admin,
            "use-tool",
            """
            {"nodes": [{"id": "ask", "retry": {"maxAttempts": 1},
               "tool": {"panel": "tools", "tool": "echo", "arguments": "{'x': input.x}"}}],
             "output": "nodes.ask"}""");
        MeshTestSupport.deploy(
            cp,
            admin,
            "too-slow",
            """
            {"nodes": [{"id": "wait", "retry": {"maxAttempts": 1}, "timeout": "1s",
               "tool": {"panel": "tools", "tool": "slow", "arguments": "{'seconds': 5.0}"}}]}""");
        MeshTestSupport.deploy(
            cp,
            admin,
            "no-such-panel",
            """
            {"nodes": [{"id": "ask", "retry": {"maxAttempts": 1},
               "tool": {"panel": "nowhere", "tool": "echo"}}]}""");
        // A fresh stub per call: each carries its own 20 s deadline.
        java.util.function.Supplier<ExecutionServiceGrpc.ExecutionServiceBlockingStub> executions =
            () -> cp.as(ExecutionServiceGrpc.newBlockingStub(gw), key);
        var done =
            executions
                .get()
                .execute(
                    ExecuteRequest.newBuilder()
                        .setWorkflow("use-tool")
                        .setInput(MeshTestSupport.struct("{\"x\": 3}"))
                        .build());
        assertThat(done.getOutput().getFieldsOrThrow("idempotencyKey").getStringValue())
            .isEqualTo(done.getExecutionId() + "/ask/1");
        assertThat(
                done.getOutput()
                    .getFieldsOrThrow("arguments")
                    .getStructValue()
                    .getFieldsOrThrow("x")
                    .getNumberValue())
            .isEqualTo(3);
        var slow = PanelMeshSupport.failure(executions.get(), "too-slow");
        assertThat(slow.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);

        // Cancelling an execution cancels its panel tool call: the run does not wait for the tool.
        MeshTestSupport.deploy(
            cp,
            admin,
            "long-call",
            """
            {"nodes": [{"id": "wait", "retry": {"maxAttempts": 1}, "timeout": "120s",
               "tool": {"panel": "tools", "tool": "slow", "arguments": "{'seconds': 60.0}"}}]}""");
        String running =
            executions
                .get()
                .startExecution(
                    io.nexusmesh.api.gateway.v1.StartExecutionRequest.newBuilder()
                        .setWorkflow("long-call")
                        .build())
                .getExecution()
                .getId();
        Thread.sleep(1000);
        executions
            .get()
            .cancelExecution(
                io.nexusmesh.api.gateway.v1.CancelExecutionRequest.newBuilder()
                    .setId(running)
                    .setReason("enough")
                    .build());
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    executions
                        .get()
                        .getExecution(
                            io.nexusmesh.api.gateway.v1.GetExecutionRequest.newBuilder()
                                .setId(running)
                                .build())
                        .getExecution()
                        .getStatus(),
                status ->
                    status
                        == io.nexusmesh.api.gateway.v1.ExecutionStatus.EXECUTION_STATUS_CANCELLED);

        // Another organisation's workflow, on its own gateway, cannot reach the panel: the control
        // plane never sends that gateway the route, so for it the panel does not exist.
        String other = "other-" + org;
        var otherGateway = cp.startGateway(redis, other, "gw-pan-other", "dev", true);
        ManagedChannel otherChannel =
            NettyChannelBuilder.forAddress("127.0.0.1", otherGateway.port()).usePlaintext().build();
        try {
          await().atMost(Duration.ofSeconds(20)).until(otherGateway::registered);
          String outsiderAdmin = cp.token("oscar", other, "admin");
          MeshTestSupport.deploy(
              cp,
              outsiderAdmin,
              "borrow",
              """
              {"nodes": [{"id": "ask", "retry": {"maxAttempts": 1},
                 "tool": {"panel": "tools", "tool": "echo", "arguments": "{'x': 1.0}"}}]}""");
          String outsiderKey =
              cp.as(ApiKeyServiceGrpc.newBlockingStub(cp.channel), outsiderAdmin)
                  .createApiKey(CreateApiKeyRequest.newBuilder().setDisplayName("o").build())
                  .getSecret();
          // (The new key reaches that gateway with the org's key set, a moment after it is made.)
          await()
              .atMost(Duration.ofSeconds(20))
              .until(
                  () ->
                      PanelMeshSupport.failure(
                              cp.as(
                                  ExecutionServiceGrpc.newBlockingStub(otherChannel), outsiderKey),
                              "borrow")
                          .getStatus()
                          .getCode(),
                  code -> code != Status.Code.UNAUTHENTICATED);
          var borrowed =
              PanelMeshSupport.failure(
                  cp.as(ExecutionServiceGrpc.newBlockingStub(otherChannel), outsiderKey), "borrow");
          assertThat(borrowed.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
          assertThat(borrowed.getStatus().getDescription()).contains("no running panel tools");
        } finally {
          otherChannel.shutdownNow();
          otherGateway.close();
        }
        var nowhere = PanelMeshSupport.failure(executions.get(), "no-such-panel");
        assertThat(nowhere.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);

        // A hostile manifest leaves the sidecar serving, with the reason in the panel's status.
        StringBuilder many = new StringBuilder("{\"tools\": [");
        for (int i = 0; i < 10_000; i++) {
          many.append(i == 0 ? "" : ",").append("{\"name\": \"t").append(i).append("\"}");
        }
        Files.writeString(panelDir.resolve("manifest.json"), many.append("]}"));
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    panels
                        .getPanel(GetPanelRequest.newBuilder().setName("tools").build())
                        .getPanel(),
                p -> p.getInstance().getManifestState() == ManifestState.MANIFEST_STATE_INVALID);
        assertThat(
                panels
                    .getPanel(GetPanelRequest.newBuilder().setName("tools").build())
                    .getPanel()
                    .getInstance()
                    .getMessage())
            .contains("10000 tools", "256");
        var notReady = PanelMeshSupport.readiness(sidecar.meshPort());
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(notReady.body()).contains("MANIFEST_STATE_INVALID", "10000 tools");
        // Its tools left the gateway with the manifest: calling one is NOT_FOUND until it is valid.
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    codeOf(() -> PanelMeshSupport.executeUseTool(executions.get()))
                        == Status.Code.NOT_FOUND);
        Files.writeString(panelDir.resolve("manifest.json"), TOOLS);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    codeOf(() -> PanelMeshSupport.executeUseTool(executions.get()))
                        == Status.Code.OK);

        // A panel that is down answers UNAVAILABLE (with the reason); its tools come back with it.
        panel.destroyForcibly().waitFor();
        var down =
            catchThrowableOfType(
                StatusRuntimeException.class,
                () -> PanelMeshSupport.executeUseTool(executions.get()));
        assertThat(down.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(MeshTestSupport.errorInfo(down).getReason()).isEqualTo("PANEL_UNAVAILABLE");
        assertThat(
                io.grpc.protobuf.StatusProto.fromThrowable(down).getDetailsList().stream()
                    .anyMatch(d -> d.is(com.google.rpc.RetryInfo.class)))
            .as("retry info")
            .isTrue();
        panel = PanelMeshSupport.startPanel(panelDir, port, appToken);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    codeOf(() -> PanelMeshSupport.executeUseTool(executions.get()))
                        == Status.Code.OK);

        // The sidecar renews its credential; deleting the panel kills every credential it had.
        String renewed =
            PanelMeshSupport.panelsAs(cp, credential)
                .renewPanelCredential(RenewPanelCredentialRequest.getDefaultInstance())
                .getCredential();
        assertThat(renewed).startsWith("nxp_").isNotEqualTo(credential);
        panels.deletePanel(DeletePanelRequest.newBuilder().setName("tools").build());
        for (String dead : List.of(credential, renewed)) {
          assertThat(
                  codeOf(
                      () ->
                          PanelMeshSupport.panelsAs(cp, dead)
                              .renewPanelCredential(
                                  RenewPanelCredentialRequest.getDefaultInstance())))
              .isEqualTo(Status.Code.UNAUTHENTICATED);
        }
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    codeOf(() -> PanelMeshSupport.executeUseTool(executions.get()))
                        == Status.Code.NOT_FOUND);
      } finally {
        if (sidecar != null) {
          sidecar.close();
        }
        if (panel != null) {
          panel.destroyForcibly();
        }
        gw.shutdownNow();
        gateway.close();
      }
    }
  }
}
