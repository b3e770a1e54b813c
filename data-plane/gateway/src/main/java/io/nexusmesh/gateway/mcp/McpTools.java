package io.nexusmesh.gateway.mcp;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.common.HttpStatus;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.gateway.api.StructJson;
import io.nexusmesh.gateway.api.WorkflowStarter;
import io.nexusmesh.gateway.deploy.DeploymentRegistry;
import io.nexusmesh.gateway.durable.Executions;
import io.nexusmesh.gateway.panel.PanelToolWorkflows;
import io.nexusmesh.gateway.session.OpenSession;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.FieldViolation;
import io.nexusmesh.runtime.error.NexusException;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The workflows deployed for the caller's organisation as MCP tools: {@code tools/list} describes
 * those the caller's key may run (name = workflow id, {@code inputSchema} and {@code outputSchema}
 * from the spec), {@code tools/call} runs one through the same checks as every other channel. The
 * organisation's running panels' tools are listed next to them as {@code <panel>.<tool>}; calling
 * one runs it as a one-step execution (journaled, cancellable, with progress).
 */
final class McpTools {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final DeploymentRegistry deployments;
  private final WorkflowStarter starter;
  private final Executions executions;
  private final Duration maxWait;
  private final ToolCatalog catalog;
  private final McpCallSpans spans;

  McpTools(
      DeploymentRegistry deployments,
      WorkflowStarter starter,
      Executions executions,
      Duration maxWait,
      McpCallSpans spans) {
    this.spans = requireNonNull(spans, "spans");
    this.deployments = requireNonNull(deployments, "deployments");
    this.starter = requireNonNull(starter, "starter");
    this.executions = requireNonNull(executions, "executions");
    this.maxWait = requireNonNull(maxWait, "maxWait");
    this.catalog = new ToolCatalog(deployments);
  }

  /** The {@code tools/list} result. */
  JsonNode list(Principal caller) {
    ArrayNode tools = NODES.arrayNode();
    for (ToolCatalog.MeshTool mesh : catalog.list(caller)) {
      ObjectNode tool = tools.addObject();
      tool.put("name", mesh.name());
      tool.put("description", mesh.description());
      tool.set("inputSchema", tree(mesh.inputSchema()));
      if (mesh.outputSchema() != null) {
        tool.set("outputSchema", tree(mesh.outputSchema()));
      }
    }
    ObjectNode result = NODES.objectNode();
    result.set("tools", tools);
    return result;
  }

  /** Starts the run a {@code tools/call} asks for, with the same checks as every channel. */
  Executions.Started start(Principal caller, JsonNode params, OpenSession session) {
    if (!params.path("name").isTextual()) {
      throw new JsonRpc.Failure(JsonRpc.INVALID_PARAMS, "params.name: the tool to call is missing");
    }
    String name = params.get("name").asText();
    JsonNode arguments = params.path("arguments");
    if (!arguments.isMissingNode() && !arguments.isObject()) {
      throw new JsonRpc.Failure(JsonRpc.INVALID_PARAMS, "params.arguments: not an object");
    }
    Struct input = struct(arguments.isMissingNode() ? NODES.objectNode() : arguments);
    Span span = spans.start(params, session.id(), caller.org());
    try (Scope current = span.makeCurrent()) {
      var panelTool = PanelToolWorkflows.split(name);
      if (panelTool.isPresent()) {
        return starter.startPanelTool(
            caller, panelTool.get()[0], panelTool.get()[1], input, session);
      }
      return starter.start(caller, name, input, session);
    } catch (NexusException e) {
      span.setStatus(StatusCode.ERROR, e.code().name());
      if (e.reason() == ErrorReason.ERROR_REASON_INVALID_ARGUMENT) {
        throw new InvalidArguments(name, e);
      }
      throw refused(name, e);
    }
  }

  /**
   * Arguments that break a tool's input schema. Up to protocol revision 2025-06-18 that is the
   * JSON-RPC error -32602; from 2025-11-25 on it is a tool execution error ({@code isError}), which
   * the client's model can read and correct.
   */
  static final class InvalidArguments extends RuntimeException {
    private final String tool;
    private final List<FieldViolation> violations;

    InvalidArguments(String tool, NexusException cause) {
      super("invalid arguments for " + tool + ": " + cause.getMessage(), null, false, false);
      this.tool = tool;
      this.violations = cause.violations();
    }

    /** As the JSON-RPC error -32602, the violations in its data. */
    JsonRpc.Failure asProtocolError() {
      ArrayNode list = NODES.arrayNode();
      for (FieldViolation v : violations) {
        list.addObject().put("field", argument(v)).put("description", v.description());
      }
      return new JsonRpc.Failure(
          JsonRpc.INVALID_PARAMS,
          getMessage(),
          NODES.objectNode().set("violations", list),
          HttpStatus.OK);
    }

    /** As a {@code tools/call} result with {@code isError}, a line per violation. */
    JsonNode asToolError() {
      StringBuilder text = new StringBuilder("invalid arguments for ").append(tool).append(':');
      for (FieldViolation v : violations) {
        text.append('\n').append(argument(v)).append(": ").append(v.description());
      }
      return textResult(text.toString(), true);
    }

    private static String argument(FieldViolation v) {
      return v.field().replaceFirst("^input", "arguments");
    }
  }

  /** The {@code tools/call} result of a started run, once it ended (or {@code maxWait} passed). */
  JsonNode result(Principal caller, Executions.Started started, String sessionId) {
    return result(awaitEnd(caller, started), sessionId);
  }

  /** The {@code tools/call} result: the run's output, or its failure as a tool error. */
  JsonNode result(Execution ended, String sessionId) {
    ObjectNode result =
        switch (ended.getStatus()) {
          case EXECUTION_STATUS_SUCCEEDED -> {
            JsonNode output = tree(ended.getOutput());
            ObjectNode succeeded = textResult(output.toString(), false);
            succeeded.set("structuredContent", output);
            yield succeeded;
          }
          case EXECUTION_STATUS_RUNNING ->
              textResult(
                  "execution "
                      + ended.getId()
                      + " is still running after "
                      + maxWait.toSeconds()
                      + " s; follow it with the gateway's execution API",
                  true);
          default ->
              textResult(
                  "execution "
                      + ended.getId()
                      + " ended "
                      + ended.getStatus().name().substring("EXECUTION_STATUS_".length())
                      + ": "
                      + ended.getError().getMessage(),
                  true);
        };
    ObjectNode meta = result.putObject("_meta");
    meta.put("nexusmesh.io/executionId", ended.getId());
    meta.put("nexusmesh.io/sessionId", sessionId);
    return result;
  }

  /** A {@code tools/call} result with one text content. */
  private static ObjectNode textResult(String text, boolean isError) {
    ObjectNode result = NODES.objectNode();
    result.putArray("content").addObject().put("type", "text").put("text", text);
    result.put("isError", isError);
    return result;
  }

  /** How long a call waits for its run. */
  Duration maxWait() {
    return maxWait;
  }

  Execution awaitEnd(Principal caller, Executions.Started started) {
    try {
      return started.completion().get(maxWait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return executions.get(caller.org(), started.execution().getId()).orElse(started.execution());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return started.execution();
    }
  }

  /** A refused start as the JSON-RPC error MCP clients expect. */
  private static JsonRpc.Failure refused(String name, NexusException e) {
    return switch (e.reason()) {
      case ERROR_REASON_NOT_FOUND, ERROR_REASON_PERMISSION_DENIED ->
          new JsonRpc.Failure(JsonRpc.INVALID_PARAMS, "unknown tool: " + name);
      case ERROR_REASON_RATE_LIMITED -> new JsonRpc.Failure(JsonRpc.RATE_LIMITED, e.getMessage());
      default -> new JsonRpc.Failure(JsonRpc.INTERNAL_ERROR, e.getMessage());
    };
  }

  static JsonNode tree(Message message) {
    if (message instanceof Struct struct) {
      var tree = StructJson.tree(struct, true);
      if (tree.isPresent()) {
        return tree.get();
      }
    }
    try {
      return JsonRpc.JSON.readTree(
          io.nexusmesh.api.json.JsonNumbers.integral(
              JsonFormat.printer().omittingInsignificantWhitespace().print(message)));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Struct struct(JsonNode object) {
    try {
      return StructJson.struct((ObjectNode) object, "params.arguments");
    } catch (StructJson.InexactNumber e) {
      if (e.found().isPresent()) {
        throw new JsonRpc.Failure(
            JsonRpc.INVALID_PARAMS, e.found().get().path() + ": " + e.found().get().description());
      }
    }
    // A number the tree cannot tell apart: judged on the text, as written.
    var inexact =
        io.nexusmesh.api.json.JsonNumbers.inexactIntegerInValue(
            object.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "params.arguments");
    if (inexact.isPresent()) {
      throw new JsonRpc.Failure(
          JsonRpc.INVALID_PARAMS, inexact.get().path() + ": " + inexact.get().description());
    }
    Struct.Builder struct = Struct.newBuilder();
    try {
      JsonFormat.parser().merge(object.toString(), struct);
    } catch (InvalidProtocolBufferException e) {
      throw new JsonRpc.Failure(JsonRpc.INVALID_PARAMS, "params.arguments: " + e.getMessage());
    }
    return struct.build();
  }
}
