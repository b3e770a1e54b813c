package io.nexusmesh.gateway.durable;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.api.workflow.v1.ExecutionMode;
import io.nexusmesh.gateway.deploy.CanaryRouting;
import io.nexusmesh.gateway.engine.ChildWorkflows;
import io.nexusmesh.gateway.engine.Journal;
import io.nexusmesh.gateway.engine.NodeFailure;
import io.nexusmesh.gateway.engine.Outcome;
import io.nexusmesh.gateway.engine.RunServices;
import io.nexusmesh.gateway.engine.WorkflowCatalog;
import io.nexusmesh.gateway.engine.WorkflowRun;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Sub-workflow steps: each child is a durable execution of its own, created once under an id
 * derived from its parent's step (so a resumed parent finds it), run on the parent's thread and
 * ended like any execution; its output is the step's output, its failure the step's failure.
 */
final class ChildRuns implements ChildWorkflows {
  /** Ends a durable run: stores its final record. */
  @FunctionalInterface
  interface Finisher {
    Execution finish(ExecutionStore.Stored stored, RedisJournal journal, Outcome outcome);
  }

  private final ExecutionStore store;
  private final WorkflowCatalog catalog;
  private final Clock clock;
  private final EngineOptions options;
  private final Supplier<RunServices> services;
  private final Finisher finisher;

  ChildRuns(
      ExecutionStore store,
      WorkflowCatalog catalog,
      Clock clock,
      EngineOptions options,
      Supplier<RunServices> services,
      Finisher finisher) {
    this.store = requireNonNull(store, "store");
    this.catalog = requireNonNull(catalog, "catalog");
    this.clock = requireNonNull(clock, "clock");
    this.options = requireNonNull(options, "options");
    this.services = requireNonNull(services, "services");
    this.finisher = requireNonNull(finisher, "finisher");
  }

  @Override
  public Value run(String childId, String org, String workflowId, Struct input, Journal parent) {
    Optional<ExecutionStore.Stored> existing = store.find(org, childId);
    ExecutionStore.Stored stored;
    if (existing.isPresent()) {
      stored = existing.get();
    } else {
      DeployedWorkflow child =
          catalog
              .find(org, workflowId)
              // The child's id is fixed by its parent's step: a resumed step picks the same side.
              .map(deployment -> CanaryRouting.choose(deployment, childId))
              .orElseThrow(
                  () ->
                      new NodeFailure(
                          Status.Code.NOT_FOUND, "workflow " + workflowId + " is not deployed"));
      long now = clock.millis();
      Execution execution =
          Execution.newBuilder()
              .setName("executions/" + childId)
              .setId(childId)
              .setWorkflowId(workflowId)
              .setWorkflowVersion(child.getVersion())
              .setStatus(ExecutionStatus.EXECUTION_STATUS_RUNNING)
              .setMode(ExecutionMode.EXECUTION_MODE_DURABLE)
              .setInput(input)
              .setCreateTime(Timestamps.fromMillis(now))
              .build();
      stored =
          new ExecutionStore.Stored(
              execution,
              org,
              child.getSpec(),
              now + Executions.timeoutOf(child.getSpec()).toMillis(),
              null);
      store.create(stored, false, options.owner(), options.leaseTtl());
    }
    Execution execution = stored.execution();
    if (!Executions.isFinal(execution.getStatus())) {
      RedisJournal journal = new RedisJournal(store, childId, parent);
      WorkflowRun run =
          new WorkflowRun(
              services.get(),
              childId,
              execution.getWorkflowId(),
              org,
              stored.spec(),
              execution.getInput(),
              stored.deadlineMillis(),
              journal);
      execution = finisher.finish(stored, journal, run.run());
    }
    if (execution.getStatus() == ExecutionStatus.EXECUTION_STATUS_SUCCEEDED) {
      return Value.newBuilder().setStructValue(execution.getOutput()).build();
    }
    throw new NodeFailure(
        Status.fromCodeValue(execution.getError().getCode()).getCode(),
        "sub-workflow "
            + workflowId
            + " ("
            + childId
            + ") ended "
            + execution.getStatus()
            + ": "
            + execution.getError().getMessage());
  }
}
