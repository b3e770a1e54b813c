package io.nexusmesh.cli;

import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionEvent;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.client.NexusClient;
import java.io.PrintStream;
import java.util.Iterator;

/** Follows an execution's events: node progress on stderr, the output on stdout at the end. */
final class ExecutionProgress {
  private ExecutionProgress() {}

  /** Follows execution {@code id} to its end; 0 when it succeeded, 1 when it did not. */
  static int follow(NexusClient client, Output out, String id) {
    PrintStream progress = System.err;
    Iterator<ExecutionEvent> events = client.executions().watch(id, 0);
    while (events.hasNext()) {
      ExecutionEvent event = events.next();
      switch (event.getKindCase()) {
        case NODE_STARTED ->
            progress.println(
                "  "
                    + event.getNodeStarted().getNodeId()
                    + " started (attempt "
                    + event.getNodeStarted().getAttempt()
                    + ")");
        case NODE_COMPLETED ->
            progress.println("  " + event.getNodeCompleted().getNodeId() + " completed");
        case NODE_FAILED ->
            progress.println(
                "  "
                    + event.getNodeFailed().getNodeId()
                    + " failed: "
                    + event.getNodeFailed().getError().getMessage());
        case NODE_RETRIED ->
            progress.println(
                "  "
                    + event.getNodeRetried().getNodeId()
                    + " retries (attempt "
                    + event.getNodeRetried().getNextAttempt()
                    + ")");
        case COMPENSATIONS_STARTED ->
            progress.println(
                "  compensating "
                    + String.join(", ", event.getCompensationsStarted().getNodeIdsList())
                    + ": "
                    + event.getCompensationsStarted().getError().getMessage());
        case EXECUTION_COMPLETED -> {
          var done = event.getExecutionCompleted();
          if (done.getStatus() != ExecutionStatus.EXECUTION_STATUS_SUCCEEDED) {
            progress.println(
                "error: execution "
                    + id
                    + " ended "
                    + Output.shortName(done.getStatus(), "EXECUTION_STATUS_")
                    + ": "
                    + done.getError().getMessage());
            return Failures.FAILED;
          }
          progress.println("execution " + id + " succeeded");
          out.value(done.getOutput());
          return 0;
        }
        default -> {}
      }
    }
    Execution now = client.executions().get(id);
    progress.println("error: the event stream ended early; the execution is " + now.getStatus());
    return Failures.FAILED;
  }
}
