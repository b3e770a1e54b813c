package io.nexusmesh.gateway.agent;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Status;
import io.nexusmesh.api.semantic.v1.Agent;
import io.nexusmesh.api.semantic.v1.SemanticEvent;
import io.nexusmesh.api.semantic.v1.ToolSpec;
import io.nexusmesh.api.semantic.v1.TurnFailed;
import io.nexusmesh.api.semantic.v1.TurnRequest;
import io.nexusmesh.api.workflow.v1.LlmNode;
import io.nexusmesh.gateway.api.InputSchemas;
import io.nexusmesh.gateway.engine.AgentSteps;
import io.nexusmesh.gateway.engine.NodeFailure;
import io.nexusmesh.gateway.mcp.ToolCatalog;
import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import io.nexusmesh.runtime.error.FieldViolation;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Runs a workflow's {@code llm} nodes as agent turns. An attempt's turn id and semantic session are
 * derived from the execution, the node's path and the attempt, so an attempt resumed by another
 * gateway after a crash asks for the same turn (the LLM manager ignores the repeat) and finds its
 * result in {@link TurnResults} instead of calling the model again; a completed step is journaled
 * and never runs again. The model may call exactly the node's {@code tools}, as the workflow's
 * execution ({@code execution:<id>}, a service principal of the organisation limited to those
 * tools), with a turn credential. The answer is {@code {"text": ...}}, or with an {@code
 * output_schema} the JSON value answered (an object as it is, anything else as {@code {"value":
 * ...}}); an answer that is not such JSON, or breaks the schema, fails the attempt
 * (FAILED_PRECONDITION, which a retry policy may list to ask again). A turn that failed for its
 * budget fails it with RESOURCE_EXHAUSTED and the retry delay; a model that failed, UNAVAILABLE.
 */
public final class LlmSteps implements AgentSteps {
  /** The prefix of workflow steps' semantic sessions. */
  public static final String SESSION_PREFIX = "wf-";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final AgentBus bus;
  private final TurnResults results;
  private final TurnCredentials credentials;
  private final ToolCatalog catalog;
  private final InputSchemas schemas;
  private final Supplier<String> gatewayUrl;
  private final String source;

  public LlmSteps(
      AgentBus bus,
      TurnResults results,
      TurnCredentials credentials,
      ToolCatalog catalog,
      InputSchemas schemas,
      Supplier<String> gatewayUrl,
      String gatewayId) {
    this.bus = requireNonNull(bus, "bus");
    this.results = requireNonNull(results, "results");
    this.credentials = requireNonNull(credentials, "credentials");
    this.catalog = requireNonNull(catalog, "catalog");
    this.schemas = requireNonNull(schemas, "schemas");
    this.gatewayUrl = requireNonNull(gatewayUrl, "gatewayUrl");
    this.source = "gateway/" + gatewayId;
  }

  @Override
  public Value run(Step step) throws InterruptedException {
    String turnId = digest(step.executionId() + "\n" + step.path() + "\n" + step.attempt());
    var known = results.find(turnId);
    if (known.isPresent()) {
      return output(step, known.get());
    }
    LlmNode node = step.node();
    Principal workflow =
        new Principal(
            "execution:" + step.executionId(),
            step.org(),
            Set.of(),
            Set.of(Audiences.GATEWAY),
            PrincipalKind.SERVICE,
            Set.copyOf(node.getToolsList()));
    List<ToolSpec> tools = tools(step, workflow);
    TurnRequest.Builder request =
        TurnRequest.newBuilder()
            .setText(step.prompt())
            .setAgent(
                Agent.newBuilder()
                    .setModel(node.getModel())
                    .setSystemPrompt(node.getSystemPrompt())
                    .addAllTools(node.getToolsList()))
            .addAllTools(tools)
            .setGatewayUrl(gatewayUrl.get())
            .setExecutionId(step.executionId())
            .setWorkflowId(step.workflowId());
    if (!tools.isEmpty()) {
      request.setCredential(credentials.mint(workflow));
    }
    if (!bus.requestTurn(SESSION_PREFIX + turnId, step.org(), turnId, source, request.build())) {
      throw new NodeFailure(
          Status.Code.UNAVAILABLE,
          "node " + step.path() + ": the semantic bus did not take the turn");
    }
    SemanticEvent end =
        results
            .await(turnId, step.timeout())
            .orElseThrow(
                () ->
                    new NodeFailure(
                        Status.Code.DEADLINE_EXCEEDED,
                        "node "
                            + step.path()
                            + ": the model did not answer within "
                            + step.timeout().toSeconds()
                            + " s"));
    return output(step, end);
  }

  /** The node's tools as the model is told about them; every one must exist. */
  private List<ToolSpec> tools(Step step, Principal workflow) {
    if (step.node().getToolsCount() == 0) {
      return List.of();
    }
    List<ToolSpec> tools = catalog.list(workflow).stream().map(AgentTurns::spec).toList();
    for (String name : step.node().getToolsList()) {
      if (tools.stream().noneMatch(t -> t.getName().equals(name))) {
        throw new NodeFailure(
            Status.Code.FAILED_PRECONDITION,
            "node " + step.path() + ": no tool '" + name + "' is deployed or running");
      }
    }
    return tools;
  }

  private Value output(Step step, SemanticEvent end) {
    if (end.hasTurnFailed()) {
      TurnFailed failed = end.getTurnFailed();
      String message = "node " + step.path() + ": " + failed.getMessage();
      if (failed.getReason().equals("ERROR_REASON_RATE_LIMITED")) {
        NodeFailure failure = new NodeFailure(Status.Code.RESOURCE_EXHAUSTED, message);
        return fail(
            failed.hasRetryDelay()
                ? failure.withRetryDelay(
                    Duration.ofMillis(Durations.toMillis(failed.getRetryDelay())))
                : failure);
      }
      return fail(new NodeFailure(Status.Code.UNAVAILABLE, message));
    }
    String answer = end.getTurnResponse().getContent();
    LlmNode node = step.node();
    if (!node.hasOutputSchema()) {
      return struct(Struct.newBuilder().putFields("text", text(answer)).build());
    }
    JsonNode value;
    try {
      value = JSON.readTree(unfenced(answer));
    } catch (java.io.IOException e) {
      value = null;
    }
    if (value == null || value.isMissingNode()) {
      return fail(
          new NodeFailure(
              Status.Code.FAILED_PRECONDITION,
              "node " + step.path() + ": the model's answer is not JSON: " + brief(answer)));
    }
    List<FieldViolation> violations =
        schemas.violations(
            step.executionId() + "/" + step.path(), node.getOutputSchema(), value, "output");
    if (!violations.isEmpty()) {
      return fail(
          new NodeFailure(
              Status.Code.FAILED_PRECONDITION,
              "node "
                  + step.path()
                  + ": the model's answer breaks the output schema: "
                  + violations.get(0).field()
                  + ": "
                  + violations.get(0).description()));
    }
    Value.Builder parsed = Value.newBuilder();
    try {
      JsonFormat.parser().merge(value.toString(), parsed);
    } catch (InvalidProtocolBufferException e) {
      return fail(
          new NodeFailure(
              Status.Code.FAILED_PRECONDITION, "node " + step.path() + ": " + e.getMessage()));
    }
    return parsed.hasStructValue()
        ? parsed.build()
        : struct(Struct.newBuilder().putFields("value", parsed.build()).build());
  }

  private static Value fail(NodeFailure failure) {
    throw failure;
  }

  /** The JSON inside a Markdown code fence, which models like to add. */
  private static String unfenced(String answer) {
    String text = answer.strip();
    if (text.startsWith("```")) {
      int start = text.indexOf('\n');
      int end = text.lastIndexOf("```");
      if (start > 0 && end > start) {
        return text.substring(start + 1, end);
      }
    }
    return text;
  }

  private static String brief(String text) {
    return text.length() > 200 ? text.substring(0, 200) + "..." : text;
  }

  private static Value text(String text) {
    return Value.newBuilder().setStringValue(text).build();
  }

  private static Value struct(Struct struct) {
    return Value.newBuilder().setStructValue(struct).build();
  }

  private static String digest(String text) {
    try {
      byte[] sha =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha, 0, 20);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
