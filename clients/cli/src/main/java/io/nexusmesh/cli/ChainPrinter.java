package io.nexusmesh.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.nexusmesh.api.semantic.v1.SemanticEvent;
import java.io.PrintStream;

/**
 * Prints an agent's chain as people read it: one line per step on {@code steps} (stderr), the
 * turn's answer alone on {@code answers} (stdout, so {@code nexus chat ... > answer.txt} keeps only
 * it).
 */
final class ChainPrinter {
  private static final JsonFormat.Printer JSON =
      JsonFormat.printer().omittingInsignificantWhitespace();

  private final PrintStream steps;
  private final PrintStream answers;

  ChainPrinter(PrintStream steps, PrintStream answers) {
    this.steps = steps;
    this.answers = answers;
  }

  /** Prints {@code event}. */
  void print(SemanticEvent event) {
    String seq = String.format("%4d ", event.getSequence());
    switch (event.getPayloadCase()) {
      case TURN_STARTED ->
          steps.println(
              seq
                  + "turn started: "
                  + event.getTurnStarted().getModel()
                  + (event.getTurnStarted().getToolsCount() == 0
                      ? ", no tools"
                      : ", tools " + String.join(", ", event.getTurnStarted().getToolsList())));
      case THOUGHT -> steps.println(seq + "thought: " + event.getThought().getContent());
      case TOOL_CALL ->
          steps.println(
              seq
                  + "tool call: "
                  + event.getToolCall().getToolName()
                  + " "
                  + json(event.getToolCall().getArguments()));
      case TOOL_RESULT ->
          steps.println(
              seq
                  + "tool result: "
                  + event.getToolResult().getToolName()
                  + (event.getToolResult().getError().isEmpty()
                      ? " " + json(event.getToolResult().getResult())
                      : " failed: " + event.getToolResult().getError()));
      case USAGE ->
          steps.println(
              seq
                  + "usage: "
                  + event.getUsage().getPromptTokens()
                  + " prompt + "
                  + event.getUsage().getCompletionTokens()
                  + " completion tokens ("
                  + event.getUsage().getModel()
                  + ")");
      case TURN_RESPONSE -> {
        steps.println(
            seq
                + "answer ("
                + event.getTurnResponse().getIterations()
                + " model calls, "
                + event.getTurnResponse().getToolCalls()
                + " tool calls):");
        answers.println(event.getTurnResponse().getContent());
      }
      case TURN_FAILED ->
          steps.println(
              seq
                  + "turn failed: "
                  + event.getTurnFailed().getReason().replace("ERROR_REASON_", "")
                  + ": "
                  + event.getTurnFailed().getMessage());
      default -> steps.println(seq + event.getPayloadCase().name().toLowerCase());
    }
  }

  private static String json(MessageOrBuilder message) {
    try {
      return JSON.print(message);
    } catch (InvalidProtocolBufferException e) {
      return message.toString();
    }
  }
}
