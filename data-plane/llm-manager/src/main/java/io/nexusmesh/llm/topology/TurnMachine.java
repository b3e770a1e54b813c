package io.nexusmesh.llm.topology;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.semantic.v1.ActiveTurn;
import io.nexusmesh.api.semantic.v1.ChatMessage;
import io.nexusmesh.api.semantic.v1.ModelCall;
import io.nexusmesh.api.semantic.v1.ModelReply;
import io.nexusmesh.api.semantic.v1.QueuedTurn;
import io.nexusmesh.api.semantic.v1.SemanticEvent;
import io.nexusmesh.api.semantic.v1.SessionContext;
import io.nexusmesh.api.semantic.v1.Thought;
import io.nexusmesh.api.semantic.v1.ToolCall;
import io.nexusmesh.api.semantic.v1.ToolInvocation;
import io.nexusmesh.api.semantic.v1.ToolReply;
import io.nexusmesh.api.semantic.v1.ToolResult;
import io.nexusmesh.api.semantic.v1.ToolSpec;
import io.nexusmesh.api.semantic.v1.TurnFailed;
import io.nexusmesh.api.semantic.v1.TurnRequest;
import io.nexusmesh.api.semantic.v1.TurnResponse;
import io.nexusmesh.api.semantic.v1.TurnStarted;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One session's agent, as a pure function: given the session's context and one command, the next
 * context and the records to write. A turn runs as: TurnStarted, then a model call; a reply with
 * tool calls announces each (ToolCall) and hands it to the tool caller; once every result is in
 * (ToolResult), the next model call; a reply without tool calls is the TurnResponse. Replies for
 * calls the turn is not waiting for (a redelivery after a caller's restart) are dropped, so each
 * model and tool reply counts once. One turn runs at a time per session; requests arriving
 * meanwhile wait in order. Model and tool calls never happen here: they are commands for the
 * asynchronous callers, so a slow model never holds a stream thread.
 */
public final class TurnMachine {
  /** The {@code source} of everything it writes. */
  public static final String SOURCE = "llm-manager";

  /** How many ended turns a session remembers, to ignore a repeated request. */
  static final int RECENT_TURNS = 32;

  private final TurnLimits limits;
  private final ContextBudget budget;
  private final String defaultModel;

  /** What one command did: the session's next context and the records to write. */
  public record Step(SessionContext context, List<Outgoing> out) {}

  public TurnMachine(TurnLimits limits, String defaultModel) {
    this.limits = limits;
    this.budget = new ContextBudget(limits);
    this.defaultModel = defaultModel;
  }

  /**
   * Fails the session's turn if its deadline passed at {@code now} (and starts the next waiting
   * one); the context unchanged otherwise.
   */
  public Step expire(SessionContext current, String sessionId, long now) {
    if (!current.hasTurn() || current.getTurn().getDeadlineMillis() > now) {
      return new Step(current, List.of());
    }
    var run = new Run(current, sessionId, now);
    run.expire();
    return new Step(run.context.build(), List.copyOf(run.out));
  }

  /** Applies {@code command} (already validated) to the session's context ({@code null}: new). */
  public Step apply(@Nullable SessionContext current, SemanticEvent command, long now) {
    var run =
        new Run(
            current == null
                ? SessionContext.newBuilder().setOrg(command.getOrg()).build()
                : current,
            command.getSessionId(),
            now);
    switch (command.getPayloadCase()) {
      case TURN_REQUEST -> run.request(command);
      case MODEL_REPLY -> run.modelReply(command.getModelReply());
      case TOOL_REPLY -> run.toolReply(command.getToolReply());
      default -> {} // work for the callers: not ours
    }
    return new Step(run.context.build(), List.copyOf(run.out));
  }

  /** The work of one command. */
  private final class Run {
    private final SessionContext.Builder context;
    private final List<Outgoing> out = new ArrayList<>();
    private final String sessionId;
    private final long now;

    Run(SessionContext context, String sessionId, long now) {
      this.context = context.toBuilder();
      this.sessionId = sessionId;
      this.now = now;
    }

    void request(SemanticEvent command) {
      String turnId = command.getTurnId().isEmpty() ? command.getEventId() : command.getTurnId();
      if (known(turnId)) {
        return; // asked again (a workflow step resumed elsewhere): the first request runs
      }
      if (context.hasTurn()) {
        if (context.getQueuedCount() >= limits.maxQueuedTurns()) {
          failed(
              turnId,
              command.getEventId(),
              ErrorReason.ERROR_REASON_RATE_LIMITED,
              limits.maxQueuedTurns() + " turns already wait for this session's agent",
              5);
          return;
        }
        context.addQueued(
            QueuedTurn.newBuilder()
                .setTurnId(turnId)
                .setRequest(command.getTurnRequest())
                .setEventId(command.getEventId()));
        return;
      }
      start(turnId, command.getTurnRequest(), command.getEventId());
    }

    /** Whether {@code turnId} runs, waits or ended recently. */
    private boolean known(String turnId) {
      return (context.hasTurn() && context.getTurn().getTurnId().equals(turnId))
          || context.getQueuedList().stream().anyMatch(q -> q.getTurnId().equals(turnId))
          || context.getRecentTurnsList().contains(turnId);
    }

    private void start(String turnId, TurnRequest request, String causation) {
      ActiveTurn.Builder turn =
          ActiveTurn.newBuilder()
              .setTurnId(turnId)
              .setRequest(request)
              .setCausationId(causation)
              .setDeadlineMillis(now + limits.turnTimeout().toMillis())
              .addMessages(ChatMessage.newBuilder().setRole("user").setContent(request.getText()));
      context.setTurn(turn);
      event(
          causation,
          base ->
              base.setTurnStarted(
                  TurnStarted.newBuilder()
                      .setText(request.getText())
                      .setModel(model(request))
                      .addAllTools(
                          request.getToolsList().stream().map(ToolSpec::getName).toList())));
      callModel();
    }

    private String model(TurnRequest request) {
      return request.getAgent().getModel().isEmpty() ? defaultModel : request.getAgent().getModel();
    }

    private void callModel() {
      ActiveTurn.Builder turn = context.getTurnBuilder();
      TurnRequest request = turn.getRequest();
      String callId = turn.getTurnId() + "/m" + (turn.getIterations() + 1);
      turn.setIterations(turn.getIterations() + 1).setPendingModelCall(callId);
      List<ChatMessage> messages = new ArrayList<>();
      if (!request.getAgent().getSystemPrompt().isEmpty()) {
        messages.add(
            ChatMessage.newBuilder()
                .setRole("system")
                .setContent(request.getAgent().getSystemPrompt())
                .build());
      }
      messages.addAll(context.getHistoryList());
      messages.addAll(turn.getMessagesList());
      command(
          base ->
              base.setModelCall(
                  ModelCall.newBuilder()
                      .setCallId(callId)
                      .setModel(model(request))
                      .addAllMessages(messages)
                      .addAllTools(request.getToolsList())));
    }

    void expire() {
      endFailed(
          context.getTurn().getCausationId(),
          ErrorReason.ERROR_REASON_DEADLINE_EXCEEDED,
          "the turn did not end within " + limits.turnTimeout().toSeconds() + " s",
          0);
    }

    void modelReply(ModelReply reply) {
      if (!context.hasTurn()
          || !context.getTurn().getPendingModelCall().equals(reply.getCallId())) {
        return; // not awaited: a redelivered or stale reply
      }
      ActiveTurn.Builder turn = context.getTurnBuilder().setPendingModelCall("");
      String causation = reply.getCallId();
      if (reply.hasUsage()) {
        String workflow = turn.getRequest().getWorkflowId();
        event(
            causation, base -> base.setUsage(reply.getUsage().toBuilder().setWorkflowId(workflow)));
      }
      if (!reply.getError().isEmpty()) {
        endFailed(
            causation,
            ErrorReason.ERROR_REASON_UNAVAILABLE,
            "the model failed: " + reply.getError(),
            0);
        return;
      }
      if (reply.getToolCallsCount() == 0) {
        turn.addMessages(
            ChatMessage.newBuilder().setRole("assistant").setContent(reply.getContent()));
        int iterations = turn.getIterations();
        int toolCalls = turn.getToolCalls();
        event(
            causation,
            base ->
                base.setTurnResponse(
                    TurnResponse.newBuilder()
                        .setContent(reply.getContent())
                        .setIterations(iterations)
                        .setToolCalls(toolCalls)));
        end(true);
        return;
      }
      if (!reply.getContent().isEmpty()) {
        event(
            causation,
            base -> base.setThought(Thought.newBuilder().setContent(reply.getContent())));
      }
      turn.addMessages(
          ChatMessage.newBuilder()
              .setRole("assistant")
              .setContent(reply.getContent())
              .addAllToolCalls(reply.getToolCallsList()));
      if (turn.getIterations() >= limits.maxIterations()) {
        endFailed(
            causation,
            ErrorReason.ERROR_REASON_RATE_LIMITED,
            "the turn reached its limit of " + limits.maxIterations() + " model calls",
            0);
        return;
      }
      for (ToolCall call : reply.getToolCallsList()) {
        event(causation, base -> base.setToolCall(call));
        String refusal = refusal(turn, call);
        if (refusal != null) {
          toolResult(
              ToolResult.newBuilder()
                  .setCallId(call.getCallId())
                  .setToolName(call.getToolName())
                  .setError(refusal)
                  .build());
          continue;
        }
        turn.setToolCalls(turn.getToolCalls() + 1).addPendingToolCalls(call.getCallId());
        command(
            base ->
                base.setToolInvocation(
                    ToolInvocation.newBuilder()
                        .setCall(call)
                        .setCredential(turn.getRequest().getCredential())
                        .setGatewayUrl(turn.getRequest().getGatewayUrl())
                        .setSessionId(turn.getRequest().getToolSessionId())));
      }
      if (turn.getPendingToolCallsCount() == 0) {
        callModel();
      }
    }

    /** Why {@code call} is not made, or null to make it. */
    private @Nullable String refusal(ActiveTurn.Builder turn, ToolCall call) {
      boolean offered =
          turn.getRequest().getToolsList().stream()
              .anyMatch(t -> t.getName().equals(call.getToolName()));
      if (!offered) {
        return "no tool named '" + call.getToolName() + "' is offered to this agent";
      }
      if (turn.getToolCalls() >= limits.maxToolCalls()) {
        return "not called: the turn reached its limit of " + limits.maxToolCalls() + " tool calls";
      }
      return null;
    }

    void toolReply(ToolReply reply) {
      ToolResult result = reply.getResult();
      if (!context.hasTurn()
          || !context.getTurn().getPendingToolCallsList().contains(result.getCallId())) {
        return; // not awaited
      }
      ActiveTurn.Builder turn = context.getTurnBuilder();
      List<String> pending = new ArrayList<>(turn.getPendingToolCallsList());
      pending.remove(result.getCallId());
      turn.clearPendingToolCalls().addAllPendingToolCalls(pending);
      toolResult(result);
      if (pending.isEmpty()) {
        callModel();
      }
    }

    /** Records a tool's result, as an event and as the model's next context. */
    private void toolResult(ToolResult result) {
      event(result.getCallId(), base -> base.setToolResult(result));
      String content =
          result.getError().isEmpty()
              ? Json.print(result.getResult())
              : "error: " + result.getError();
      context
          .getTurnBuilder()
          .addMessages(
              ChatMessage.newBuilder()
                  .setRole("tool")
                  .setToolCallId(result.getCallId())
                  .setContent(content));
    }

    private void endFailed(
        String causation, ErrorReason reason, String message, long retrySeconds) {
      failed(context.getTurn().getTurnId(), causation, reason, message, retrySeconds);
      end(false);
    }

    private void failed(
        String turnId, String causation, ErrorReason reason, String message, long retrySeconds) {
      TurnFailed.Builder failed =
          TurnFailed.newBuilder().setReason(reason.name()).setMessage(message);
      if (retrySeconds > 0) {
        failed.setRetryDelay(Durations.fromSeconds(retrySeconds));
      }
      event(turnId, causation, base -> base.setTurnFailed(failed));
    }

    /** Ends the active turn (its messages join the history if it answered) and starts the next. */
    private void end(boolean answered) {
      ActiveTurn turn = context.getTurn();
      if (answered) {
        List<ChatMessage> history = budget.append(context.getHistoryList(), turn.getMessagesList());
        context.clearHistory().addAllHistory(history);
      }
      List<String> recent = new ArrayList<>(context.getRecentTurnsList());
      recent.add(turn.getTurnId());
      context
          .clearRecentTurns()
          .addAllRecentTurns(
              recent.subList(Math.max(0, recent.size() - RECENT_TURNS), recent.size()));
      context.clearTurn();
      if (context.getQueuedCount() > 0) {
        QueuedTurn next = context.getQueued(0);
        context.removeQueued(0);
        start(next.getTurnId(), next.getRequest(), next.getEventId());
      }
    }

    private interface Payload {
      void set(SemanticEvent.Builder base);
    }

    private void event(String causation, Payload payload) {
      event(context.getTurn().getTurnId(), causation, payload);
    }

    private void event(String turnId, String causation, Payload payload) {
      long sequence = context.getLastSequence() + 1;
      context.setLastSequence(sequence);
      SemanticEvent.Builder event = envelope(turnId, causation).setSequence(sequence);
      payload.set(event);
      out.add(new Outgoing.Event(event.build()));
    }

    private void command(Payload payload) {
      SemanticEvent.Builder command =
          envelope(context.getTurn().getTurnId(), context.getTurn().getCausationId());
      payload.set(command);
      out.add(new Outgoing.Command(command.build()));
    }

    private SemanticEvent.Builder envelope(String turnId, String causation) {
      return SemanticEvent.newBuilder()
          .setEventId(UUID.randomUUID().toString())
          .setSessionId(sessionId)
          .setOrg(context.getOrg())
          .setTime(Timestamps.fromMillis(now))
          .setCausationId(causation.length() > 64 ? causation.substring(0, 64) : causation)
          .setSource(SOURCE)
          .setTurnId(turnId);
    }
  }
}
