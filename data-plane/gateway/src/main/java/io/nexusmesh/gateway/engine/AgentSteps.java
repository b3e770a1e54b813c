package io.nexusmesh.gateway.engine;

import com.google.protobuf.Value;
import io.grpc.Status;
import io.nexusmesh.api.workflow.v1.LlmNode;
import java.time.Duration;

/** Runs a workflow's {@code llm} nodes: one agent turn per attempt, outside the engine. */
@FunctionalInterface
public interface AgentSteps {
  /**
   * One attempt of an llm node.
   *
   * @param path the node's path in the run, e.g. {@code summarise} or {@code fan/left/ask}
   * @param prompt the node's prompt, evaluated
   * @param timeout how long the attempt may take
   */
  record Step(
      String org,
      String workflowId,
      String executionId,
      String path,
      int attempt,
      LlmNode node,
      String prompt,
      Duration timeout) {}

  /** The turn's answer as the node's output; a {@link NodeFailure} when it ends without one. */
  Value run(Step step) throws InterruptedException;

  /** For a gateway without a semantic bus: every llm node fails, saying why. */
  AgentSteps NONE =
      step -> {
        throw new NodeFailure(
            Status.Code.FAILED_PRECONDITION,
            "node "
                + step.path()
                + ": this gateway has no semantic bus for llm nodes (set NEXUS_KAFKA_BOOTSTRAP)");
      };
}
