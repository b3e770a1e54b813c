package io.nexusmesh.gateway.engine;

import com.google.protobuf.Struct;
import io.nexusmesh.api.gateway.v1.Compensation;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import java.util.List;

/** How a {@link WorkflowRun} ended, or that it parked. */
public sealed interface Outcome {
  /** The final status. */
  ExecutionStatus status();

  /** Finished with an output. */
  record Succeeded(Struct output) implements Outcome {
    @Override
    public ExecutionStatus status() {
      return ExecutionStatus.EXECUTION_STATUS_SUCCEEDED;
    }
  }

  /**
   * Failed, cancelled or timed out, after running {@code compensations} (a saga), in the order they
   * ran.
   */
  record Ended(
      ExecutionStatus status, com.google.rpc.Status error, List<Compensation> compensations)
      implements Outcome {
    public Ended {
      compensations = List.copyOf(compensations);
    }

    public Ended(ExecutionStatus status, com.google.rpc.Status error) {
      this(status, error, List.of());
    }
  }

  /**
   * Not ended: waiting at a top-level wait node, so long that the run lets go of its thread and
   * memory. It is run again (from its journal) at {@code wakeAtMillis} — its timer, the signal's
   * timeout or the deadline — or when signal {@code signal} ("" for none) arrives.
   */
  record Parked(long wakeAtMillis, String signal) implements Outcome {
    @Override
    public ExecutionStatus status() {
      return ExecutionStatus.EXECUTION_STATUS_RUNNING;
    }
  }
}
