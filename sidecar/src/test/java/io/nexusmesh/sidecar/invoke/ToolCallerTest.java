package io.nexusmesh.sidecar.invoke;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.sidecar.v1.InvokeToolRequest;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.sidecar.PanelApp;
import io.nexusmesh.sidecar.manifest.ManifestParser;
import io.nexusmesh.sidecar.manifest.PanelManifest;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A tool call relayed to a panel (a loopback HTTP server standing in for the user's, which may be
 * any web server): what it is sent and how each of its answers reaches the mesh.
 */
class ToolCallerTest {
  private static final PanelManifest MANIFEST =
      ManifestParser.parse(
          """
          {"tools": [{"name": "echo", "inputSchema": {"type": "object",
             "properties": {"n": {"type": "integer"}}, "required": ["n"]}},
           {"name": "fail"}, {"name": "slow"}, {"name": "huge"}, {"name": "text"}]}"""
              .getBytes(StandardCharsets.UTF_8));

  private final Map<String, String> seen = new ConcurrentHashMap<>();
  private Server panel;
  private PanelApp app;

  @BeforeEach
  void start() {
    panel =
        Server.builder()
            .http(0)
            .service(
                "/mcp/execute",
                (ctx, req) ->
                    HttpResponse.of(
                        req.aggregate()
                            .thenApply(
                                body -> {
                                  req.headers().forEach((k, v) -> seen.put(k.toString(), v));
                                  seen.put("body", body.contentUtf8());
                                  String tool =
                                      body.contentUtf8()
                                          .replaceAll(".*\"tool\":\"([a-z]+)\".*", "$1");
                                  return switch (tool) {
                                    case "fail" ->
                                        HttpResponse.ofJson(
                                            HttpStatus.BAD_GATEWAY,
                                            Map.of("error", "upstream is down"));
                                    case "slow" ->
                                        HttpResponse.delayed(
                                            HttpResponse.of(HttpStatus.OK), Duration.ofSeconds(5));
                                    case "huge" ->
                                        HttpResponse.of(
                                            HttpStatus.OK,
                                            MediaType.JSON,
                                            "\"" + "x".repeat(5 * 1024 * 1024) + "\"");
                                    case "text" -> HttpResponse.of("not json");
                                    default -> HttpResponse.ofJson(Map.of("ok", true, "n", 2));
                                  };
                                })))
            .build();
    panel.start().join();
    app = PanelApp.at("http://127.0.0.1:" + panel.activeLocalPort(), "app-token-1");
  }

  @AfterEach
  void stop() {
    app.close();
    panel.stop().join();
  }

  private Value call(String tool, Struct arguments, Duration deadline) {
    try {
      return new ToolCaller(app, "p")
          .call(
              MANIFEST,
              InvokeToolRequest.newBuilder()
                  .setTool(tool)
                  .setArguments(arguments)
                  .setRequestId("exec-1/node/2")
                  .setSessionId("s-1")
                  .build(),
              deadline,
              new ToolCaller.Trace("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null))
          .join();
    } catch (CompletionException e) {
      throw (RuntimeException) e.getCause();
    }
  }

  private static Struct n(double n) {
    return Struct.newBuilder().putFields("n", Value.newBuilder().setNumberValue(n).build()).build();
  }

  @Test
  void theCallCarriesItsKeyTraceAndAppTokenAndTheResultComesBack() {
    Value result = call("echo", n(1), Duration.ofSeconds(5));
    assertThat(result.getStructValue().getFieldsOrThrow("n").getNumberValue()).isEqualTo(2);
    assertThat(seen)
        .containsEntry("idempotency-key", "exec-1/node/2")
        .containsEntry("x-nexus-app-token", "app-token-1")
        .containsEntry("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    assertThat(seen.get("body"))
        .contains("\"tool\":\"echo\"", "\"requestId\":\"exec-1/node/2\"", "\"sessionId\":\"s-1\"");
  }

  @Test
  void argumentsAreCheckedAgainstTheSchemaBeforeThePanelSeesThem() {
    var e =
        catchThrowableOfType(
            NexusException.class,
            () -> call("echo", Struct.getDefaultInstance(), Duration.ofSeconds(5)));
    assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_INVALID_ARGUMENT);
    assertThat(e.violations()).extracting(v -> v.field()).containsExactly("arguments.n");
    assertThat(seen).doesNotContainKey("body");
  }

  @Test
  void eachWayOfFailingIsItsOwnClearError() {
    var failed =
        catchThrowableOfType(
            NexusException.class,
            () -> call("fail", Struct.getDefaultInstance(), Duration.ofSeconds(5)));
    assertThat(failed.reason()).isEqualTo(ErrorReason.ERROR_REASON_TOOL_FAILED);
    assertThat(failed.getMessage()).contains("(502)", "upstream is down");
    assertThat(failed.metadata()).containsEntry("status", "502");

    var slow =
        catchThrowableOfType(
            NexusException.class,
            () -> call("slow", Struct.getDefaultInstance(), Duration.ofMillis(300)));
    assertThat(slow.reason()).isEqualTo(ErrorReason.ERROR_REASON_DEADLINE_EXCEEDED);

    var huge =
        catchThrowableOfType(
            NexusException.class,
            () -> call("huge", Struct.getDefaultInstance(), Duration.ofSeconds(5)));
    assertThat(huge.reason()).isEqualTo(ErrorReason.ERROR_REASON_TOOL_FAILED);
    assertThat(huge.getMessage()).contains("more than the limit");

    var text =
        catchThrowableOfType(
            NexusException.class,
            () -> call("text", Struct.getDefaultInstance(), Duration.ofSeconds(5)));
    assertThat(text.getMessage()).contains("not JSON");

    var unknown =
        catchThrowableOfType(
            NexusException.class,
            () -> call("nope", Struct.getDefaultInstance(), Duration.ofSeconds(5)));
    assertThat(unknown.reason()).isEqualTo(ErrorReason.ERROR_REASON_NOT_FOUND);
  }

  @Test
  void aPanelThatIsNotUpIsUnavailableWithRetryInfo() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    try (PanelApp down = PanelApp.at("http://127.0.0.1:" + closed, "t")) {
      var e =
          catchThrowableOfType(
              CompletionException.class,
              () ->
                  new ToolCaller(down, "p")
                      .call(
                          MANIFEST,
                          InvokeToolRequest.newBuilder().setTool("fail").build(),
                          Duration.ofSeconds(5),
                          new ToolCaller.Trace(null, null))
                      .join());
      NexusException cause = (NexusException) e.getCause();
      assertThat(cause.reason()).isEqualTo(ErrorReason.ERROR_REASON_PANEL_UNAVAILABLE);
      assertThat(cause.retryDelay()).isNotNull();
      assertThat(cause.metadata()).containsEntry("panel", "p");
    }
    var waiting =
        catchThrowableOfType(
            CompletionException.class,
            () ->
                new ToolCaller(app, "p")
                    .call(
                        PanelManifest.waiting("starting"),
                        InvokeToolRequest.newBuilder().setTool("echo").build(),
                        Duration.ofSeconds(5),
                        new ToolCaller.Trace(null, null))
                    .join());
    assertThat(((NexusException) waiting.getCause()).reason())
        .isEqualTo(ErrorReason.ERROR_REASON_PANEL_UNAVAILABLE);
  }
}
