package io.nexusmesh.gateway.engine;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.nexusmesh.api.gateway.v1.CompensationsStarted;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.api.workflow.v1.Node;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import java.util.Base64;
import java.util.List;

/**
 * The saga of a run that does not succeed: which completed nodes are compensated, in which order,
 * and how the execution ends once they are. Journaled under {@link #JOURNAL_PATH} when the
 * compensations start, so a run resumed on another gateway finishes them rather than retrying the
 * step that failed.
 */
final class Saga {
  /** Where the ending is journaled: no node id can take this path. */
  static final String JOURNAL_PATH = "!saga";

  private Saga() {}

  /** The step-path prefix of the compensation of node {@code nodeId}. */
  static String pathPrefix(String nodeId) {
    return "compensate(" + nodeId + ").";
  }

  /** The node of the spec's compensations that undoes top-level node {@code nodeId}. */
  static Node compensationOf(WorkflowSpec spec, String nodeId) {
    String compensationId =
        spec.getNodesList().stream()
            .filter(n -> n.getId().equals(nodeId))
            .findFirst()
            .map(Node::getCompensateWith)
            .orElseThrow(() -> new IllegalStateException("no node " + nodeId));
    return spec.getCompensationsList().stream()
        .filter(c -> c.getId().equals(compensationId))
        .findFirst()
        .orElseThrow(
            () ->
                new NodeFailure(
                    io.grpc.Status.Code.FAILED_PRECONDITION,
                    "node "
                        + nodeId
                        + " names compensation "
                        + compensationId
                        + ", which the spec lacks"));
  }

  /**
   * How the execution ends ({@code status}, {@code error}) and the nodes whose compensations run
   * first, in order.
   */
  record Ending(ExecutionStatus status, com.google.rpc.Status error, List<String> nodeIds) {
    Ending {
      nodeIds = List.copyOf(nodeIds);
    }

    CompensationsStarted event() {
      return CompensationsStarted.newBuilder()
          .setStatus(status)
          .setError(error)
          .addAllNodeIds(nodeIds)
          .build();
    }

    /** As a journal entry: the event's bytes (base64) in a JSON value. */
    Value toValue() {
      return Value.newBuilder()
          .setStructValue(
              Struct.newBuilder()
                  .putFields(
                      "ending",
                      Value.newBuilder()
                          .setStringValue(Base64.getEncoder().encodeToString(event().toByteArray()))
                          .build()))
          .build();
    }

    static Ending of(Value journaled) {
      try {
        var event =
            CompensationsStarted.parseFrom(
                Base64.getDecoder()
                    .decode(
                        journaled.getStructValue().getFieldsOrThrow("ending").getStringValue()));
        return new Ending(event.getStatus(), event.getError(), event.getNodeIdsList());
      } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
        throw new IllegalStateException("the journaled saga is not readable", e);
      }
    }
  }
}
