package io.nexusmesh.gateway.engine;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.nexusmesh.api.gateway.v1.Compensation;
import io.nexusmesh.api.gateway.v1.ExecutionEvent;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.api.gateway.v1.NodeCompleted;
import io.nexusmesh.api.gateway.v1.NodeFailed;
import io.nexusmesh.api.gateway.v1.NodeRetried;
import io.nexusmesh.api.gateway.v1.NodeStarted;
import io.nexusmesh.api.workflow.v1.Node;
import io.nexusmesh.api.workflow.v1.Steps;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.runtime.auth.ApiKeys;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One run (or resumption) of one execution: walks the spec's graph from its entry, running each
 * node whose predecessors on the taken path are done, and journals every step's output before the
 * next step starts. A step already in the journal is not run again; a step that was in flight is
 * run again with the same attempt number, hence the same idempotency key {@code
 * <execution>/<step>/<attempt>}. Top-level nodes run one at a time in spec order (deterministic, so
 * a resumption takes the same path); parallel and map nodes fan out on virtual threads.
 */
public final class WorkflowRun {
  private static final Duration DEFAULT_NODE_TIMEOUT = Duration.ofSeconds(30);

  private final RunServices services;
  private final String executionId;
  private final String org;
  private final WorkflowSpec spec;
  private final Map<String, Object> input;
  private final Struct inputStruct;
  private final long deadlineMillis;
  private final Journal journal;
  private final String workflowId;
  private final AtomicLong nodeRuns = new AtomicLong();
  // Completed top-level nodes that name a compensation, in the order they completed.
  private final List<String> compensable = new ArrayList<>();
  private final RunTime time;

  public WorkflowRun(
      RunServices services,
      String executionId,
      String workflowId,
      String org,
      WorkflowSpec spec,
      Struct input,
      long deadlineMillis,
      Journal journal) {
    this.services = requireNonNull(services, "services");
    this.executionId = requireNonNull(executionId, "executionId");
    this.workflowId = requireNonNull(workflowId, "workflowId");
    this.org = requireNonNull(org, "org");
    this.spec = requireNonNull(spec, "spec");
    this.inputStruct = requireNonNull(input, "input");
    this.input = JsonValues.toCel(input);
    this.deadlineMillis = deadlineMillis;
    this.time = new RunTime(journal, services.clock(), services.parkAfter(), deadlineMillis);
    this.journal = requireNonNull(journal, "journal");
  }

  /** Node attempts this run made (for usage reports). */
  public long nodeRuns() {
    return nodeRuns.get();
  }

  /** Runs to the end. Never throws for a workflow's own failure: that is an {@link Outcome}. */
  public Outcome run() {
    Scope scope = new Scope(input, "", new LinkedHashMap<>(), null, null, journal.parks());
    compensable.clear();
    try {
      Optional<Value> saga = journal.output(Saga.JOURNAL_PATH);
      if (saga.isPresent()) {
        // Resumed while compensating: finish the compensations it recorded.
        Saga.Ending ending = Saga.Ending.of(saga.get());
        for (Node node : spec.getNodesList()) {
          journal.output(node.getId()).ifPresent(v -> scope.nodes.put(node.getId(), toCel(v)));
        }
        return compensate(scope, ending);
      }
      Value last = runGraph(scope);
      Value output =
          spec.getOutput().isEmpty()
              ? last
              : services.expressions().eval(spec.getOutput(), scope.vars());
      return new Outcome.Succeeded(JsonValues.asStruct(output));
    } catch (RunTime.Park park) {
      return new Outcome.Parked(park.wakeAtMillis, park.signal);
    } catch (RunTime.Stopped stopped) {
      return end(
          scope,
          stopped.status,
          com.google.rpc.Status.newBuilder()
              .setCode(stopped.code.value())
              .setMessage(stopped.getMessage())
              .build());
    } catch (NodeFailure failure) {
      return end(scope, ExecutionStatus.EXECUTION_STATUS_FAILED, failure.toStatus());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome.Ended(
          ExecutionStatus.EXECUTION_STATUS_CANCELLED,
          com.google.rpc.Status.newBuilder()
              .setCode(Status.Code.CANCELLED.value())
              .setMessage("the gateway is shutting down")
              .build());
    }
  }

  /** Ends with {@code status}: at once, or after compensating what completed (a saga). */
  private Outcome end(Scope scope, ExecutionStatus status, com.google.rpc.Status error) {
    if (compensable.isEmpty()) {
      return new Outcome.Ended(status, error);
    }
    Saga.Ending ending = new Saga.Ending(status, error, compensable.reversed());
    // Journaled first, so that a resumed run compensates rather than retries the failed step.
    journal.completed(
        Saga.JOURNAL_PATH,
        ending.toValue(),
        timed(ExecutionEvent.newBuilder().setCompensationsStarted(ending.event())));
    try {
      return compensate(scope, ending);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome.Ended(status, error); // shutting down: the next owner compensates
    }
  }

  /**
   * Runs the compensations of {@code ending}, each a journaled step with its own retries, whatever
   * becomes of the others; cancellation and the deadline no longer stop them.
   */
  private Outcome compensate(Scope scope, Saga.Ending ending) throws InterruptedException {
    time.startCompensating();
    List<Compensation> done = new ArrayList<>();
    for (String nodeId : ending.nodeIds()) {
      Node compensation = Saga.compensationOf(spec, nodeId);
      Scope at =
          new Scope(
              input, Saga.pathPrefix(nodeId), new LinkedHashMap<>(scope.nodes), null, null, false);
      var result =
          Compensation.newBuilder().setNodeId(nodeId).setCompensationId(compensation.getId());
      try {
        result
            .setStatus(ExecutionStatus.EXECUTION_STATUS_SUCCEEDED)
            .setOutput(runNode(compensation, at));
      } catch (NodeFailure failure) {
        result.setStatus(ExecutionStatus.EXECUTION_STATUS_FAILED).setError(failure.toStatus());
      }
      done.add(result.build());
    }
    return new Outcome.Ended(ending.status(), ending.error(), done);
  }

  private static Object toCel(Value value) {
    return JsonValues.toCel(value);
  }

  // ---- the top-level graph ----

  private Value runGraph(Scope scope) throws InterruptedException {
    return TopLevelGraph.walk(
        spec,
        node -> {
          Value output = runNode(node, scope);
          scope.nodes.put(node.getId(), JsonValues.toCel(output));
          if (!node.getCompensateWith().isEmpty()) {
            compensable.add(node.getId());
          }
          return output;
        });
  }

  // ---- one node ----

  private Value runNode(Node node, Scope scope) throws InterruptedException {
    String path = scope.prefix + node.getId();
    Optional<Value> done = journal.output(path);
    if (done.isPresent()) {
      return done.get();
    }
    time.checkStop();
    Value output =
        switch (node.getKindCase()) {
          case TRANSFORM ->
              withRetries(
                  node,
                  path,
                  attempt ->
                      services
                          .expressions()
                          .eval(node.getTransform().getExpression(), scope.vars()));
          case HTTP ->
              withRetries(
                  node,
                  path,
                  attempt ->
                      services
                          .http()
                          .call(
                              org,
                              node.getHttp(),
                              scope.vars(),
                              executionId + "/" + path + "/" + attempt,
                              attemptTimeout(node)));
          case TOOL ->
              withRetries(
                  node,
                  path,
                  attempt ->
                      services
                          .bulkheads()
                          .run(
                              "panel:" + org + "/" + node.getTool().getPanel(),
                              () ->
                                  services
                                      .tools()
                                      .call(
                                          org,
                                          node.getTool().getPanel(),
                                          node.getTool().getTool(),
                                          NodeInputs.toolArguments(
                                              services.expressions(), node, scope.vars()),
                                          executionId + "/" + path + "/" + attempt,
                                          "",
                                          attemptTimeout(node))));
          case BRANCH ->
              once(
                  node,
                  path,
                  () ->
                      JsonValues.of(NodeInputs.branch(services.expressions(), node, scope.vars())));
          case PARALLEL -> once(node, path, () -> parallel(node, path, scope));
          case MAP -> once(node, path, () -> map(node, path, scope));
          case LLM ->
              withRetries(
                  node,
                  path,
                  attempt ->
                      services
                          .bulkheads()
                          .run(
                              "model:" + org + "/" + node.getLlm().getModel(),
                              () ->
                                  services
                                      .agents()
                                      .run(
                                          new AgentSteps.Step(
                                              org,
                                              workflowId,
                                              executionId,
                                              path,
                                              attempt,
                                              node.getLlm(),
                                              NodeInputs.prompt(
                                                  services.expressions(), node, scope.vars()),
                                              attemptTimeout(node)))));
          case WAIT -> once(node, path, () -> time.await(node.getWait(), path, scope.parkable));
          case SUB_WORKFLOW ->
              once(
                  node,
                  path,
                  () -> {
                    journal.flush();
                    return subWorkflow(node, path, scope);
                  });
          case KIND_NOT_SET ->
              throw new NodeFailure(Status.Code.INVALID_ARGUMENT, "node " + path + " has no kind");
        };
    journal.completed(
        path,
        output,
        timed(
            ExecutionEvent.newBuilder()
                .setNodeCompleted(
                    NodeCompleted.newBuilder()
                        .setNodeId(path)
                        .setAttempt(Math.max(1, journal.attempt(path)))
                        .setOutput(output))));
    return output;
  }

  @FunctionalInterface
  private interface Attempt {
    Value run(int attempt) throws InterruptedException;
  }

  @FunctionalInterface
  private interface Body {
    Value run() throws InterruptedException;
  }

  private Value once(Node node, String path, Body body) throws InterruptedException {
    if (journal.attempt(path) == 0) { // a parked wait resumed has started already
      journal.started(
          path,
          1,
          timed(
              ExecutionEvent.newBuilder()
                  .setNodeStarted(NodeStarted.newBuilder().setNodeId(path).setAttempt(1))));
    }
    nodeRuns.incrementAndGet();
    try {
      return traced(node, path, 1, body);
    } catch (NodeFailure failure) {
      event(
          ExecutionEvent.newBuilder()
              .setNodeFailed(
                  NodeFailed.newBuilder()
                      .setNodeId(path)
                      .setAttempt(1)
                      .setError(failure.toStatus())));
      throw failure;
    }
  }

  /** Runs one attempt of a step in its span. */
  private Value traced(Node node, String path, int attempt, Body body) throws InterruptedException {
    Span span = services.tracing().step(node, path, attempt);
    try (var current = span.makeCurrent()) {
      return body.run();
    } catch (NodeFailure failure) {
      RunTracing.failed(span, failure);
      throw failure;
    } finally {
      span.end();
    }
  }

  private Value withRetries(Node node, String path, Attempt body) throws InterruptedException {
    Backoff backoff = Backoff.of(node.getRetry(), spec.getDefaultRetry(), node.hasRetry());
    // A resumed step re-runs the attempt it was on, hence with the same idempotency key.
    int attempt = Math.max(1, journal.attempt(path));
    while (true) {
      time.checkStop();
      journal.started(
          path,
          attempt,
          timed(
              ExecutionEvent.newBuilder()
                  .setNodeStarted(NodeStarted.newBuilder().setNodeId(path).setAttempt(attempt))));
      nodeRuns.incrementAndGet();
      if (actsOutside(node)) {
        // Everything before this step is durable before it acts (see RedisJournal).
        journal.flush();
      }
      int now = attempt;
      try {
        return traced(node, path, now, () -> body.run(now));
      } catch (NodeFailure failure) {
        // A step cut short by a cancellation (a panel tool's call) ends the run as cancelled.
        time.checkStop();
        event(
            ExecutionEvent.newBuilder()
                .setNodeFailed(
                    NodeFailed.newBuilder()
                        .setNodeId(path)
                        .setAttempt(attempt)
                        .setError(failure.toStatus())));
        if (!backoff.retries(failure.code(), attempt)) {
          throw failure;
        }
        Duration delay = backoff.delayBefore(attempt + 1);
        attempt++;
        long retryAt = time.now() + delay.toMillis();
        event(
            ExecutionEvent.newBuilder()
                .setNodeRetried(
                    NodeRetried.newBuilder()
                        .setNodeId(path)
                        .setNextAttempt(attempt)
                        .setRetryTime(Timestamps.fromMillis(retryAt))));
        time.sleepUntil(retryAt);
      }
    }
  }

  /** Whether the node reaches outside the run (a transform or a branch only computes). */
  private static boolean actsOutside(Node node) {
    return switch (node.getKindCase()) {
      case TRANSFORM, BRANCH, PARALLEL, MAP, KIND_NOT_SET -> false;
      case HTTP, TOOL, LLM, WAIT, SUB_WORKFLOW -> true;
    };
  }

  private Duration attemptTimeout(Node node) {
    Duration timeout = DEFAULT_NODE_TIMEOUT;
    if (node.hasTimeout() && Durations.toMillis(node.getTimeout()) > 0) {
      timeout = Duration.ofMillis(Durations.toMillis(node.getTimeout()));
    } else if (spec.hasDefaultNodeTimeout()
        && Durations.toMillis(spec.getDefaultNodeTimeout()) > 0) {
      timeout = Duration.ofMillis(Durations.toMillis(spec.getDefaultNodeTimeout()));
    }
    if (time.compensating()) {
      return timeout; // compensations run past the execution's deadline
    }
    long remaining = Math.max(1, deadlineMillis - time.now());
    return timeout.toMillis() > remaining ? Duration.ofMillis(remaining) : timeout;
  }

  // ---- node kinds ----

  private Value parallel(Node node, String path, Scope scope) throws InterruptedException {
    List<Steps> branches = node.getParallel().getBranchesList();
    List<Future<Value>> results = new ArrayList<>();
    try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (Steps branch : branches) {
        Scope child = scope.child(scope.prefix, scope.item, scope.index);
        results.add(threads.submit(Context.current().wrap(() -> runSteps(branch, child))));
      }
    }
    Struct.Builder output = Struct.newBuilder();
    for (int i = 0; i < branches.size(); i++) {
      output.putFields(branches.get(i).getName(), join(results.get(i)));
    }
    return JsonValues.of(output.build());
  }

  private Value map(Node node, String path, Scope scope) throws InterruptedException {
    Object items = services.expressions().evalRaw(node.getMap().getItems(), scope.vars());
    if (!(items instanceof List<?> list)) {
      throw new NodeFailure(
          Status.Code.INVALID_ARGUMENT, "map " + node.getId() + ": items is not a list");
    }
    int limit = Math.max(1, node.getMap().getMaxConcurrency());
    Semaphore permits = new Semaphore(limit);
    List<Future<Value>> results = new ArrayList<>();
    try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < list.size(); i++) {
        Scope child = scope.child(path + "[" + i + "].", list.get(i), (long) i);
        permits.acquire();
        results.add(
            threads.submit(
                Context.current()
                    .wrap(
                        () -> {
                          try {
                            return runSteps(node.getMap().getBody(), child);
                          } finally {
                            permits.release();
                          }
                        })));
      }
    }
    var output = com.google.protobuf.ListValue.newBuilder();
    for (Future<Value> result : results) {
      output.addValues(join(result));
    }
    return Value.newBuilder().setListValue(output).build();
  }

  private Value runSteps(Steps steps, Scope scope) throws InterruptedException {
    Value last = Value.getDefaultInstance();
    for (Node node : steps.getNodesList()) {
      last = runNode(node, scope);
      scope.nodes.put(node.getId(), JsonValues.toCel(last));
    }
    return last;
  }

  private static Value join(Future<Value> future) throws InterruptedException {
    try {
      return future.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof InterruptedException i) {
        throw i;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private Value subWorkflow(Node node, String path, Scope scope) {
    var sub = node.getSubWorkflow();
    Struct childInput =
        sub.getInput().isEmpty()
            ? inputStruct
            : JsonValues.asStruct(services.expressions().eval(sub.getInput(), scope.vars()));
    String childId = "c" + ApiKeys.sha256Hex(executionId + "/" + path).substring(0, 40);
    return services.children().run(childId, org, sub.getWorkflow(), childInput, journal);
  }

  // ---- time, cancellation, events ----

  private void event(ExecutionEvent.Builder event) {
    journal.event(timed(event));
  }

  private ExecutionEvent.Builder timed(ExecutionEvent.Builder event) {
    return event.setTime(Timestamps.fromMillis(time.now()));
  }
}
