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
import io.nexusmesh.api.workflow.v1.BranchCase;
import io.nexusmesh.api.workflow.v1.Edge;
import io.nexusmesh.api.workflow.v1.Node;
import io.nexusmesh.api.workflow.v1.Steps;
import io.nexusmesh.api.workflow.v1.WaitNode;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.runtime.auth.ApiKeys;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

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
  private static final Duration MAX_WAIT_SLICE = Duration.ofSeconds(1);

  /** What the run needs from the gateway around it. */
  public record Services(
      Expressions expressions,
      HttpCaller http,
      io.nexusmesh.gateway.panel.PanelTools tools,
      ChildWorkflows children,
      AgentSteps agents,
      Clock clock,
      Duration parkAfter,
      Bulkheads bulkheads) {
    public Services {
      requireNonNull(expressions, "expressions");
      requireNonNull(http, "http");
      requireNonNull(tools, "tools");
      requireNonNull(children, "children");
      requireNonNull(agents, "agents");
      requireNonNull(clock, "clock");
      requireNonNull(parkAfter, "parkAfter");
      requireNonNull(bulkheads, "bulkheads");
    }
  }

  /** How a run ended. */
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
     * Failed, cancelled or timed out, after running {@code compensations} (a saga), in the order
     * they ran.
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

  private final Services services;
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
  // Compensating: cancellation and the deadline no longer stop the run.
  private volatile boolean compensating;

  public WorkflowRun(
      Services services,
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
    this.journal = requireNonNull(journal, "journal");
  }

  /** Node attempts this run made (for usage reports). */
  public long nodeRuns() {
    return nodeRuns.get();
  }

  /** Runs to the end. Never throws for a workflow's own failure: that is an {@link Outcome}. */
  public Outcome run() {
    Scope scope = new Scope("", new LinkedHashMap<>(), null, null, journal.parks());
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
    } catch (Park park) {
      return new Outcome.Parked(park.wakeAtMillis, park.signal);
    } catch (Stopped stopped) {
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
    compensating = true;
    List<Compensation> done = new ArrayList<>();
    for (String nodeId : ending.nodeIds()) {
      Node compensation = Saga.compensationOf(spec, nodeId);
      Scope at =
          new Scope(Saga.pathPrefix(nodeId), new LinkedHashMap<>(scope.nodes), null, null, false);
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
    List<Node> nodes = spec.getNodesList();
    Map<String, List<String>> preds = new HashMap<>();
    nodes.forEach(n -> preds.put(n.getId(), new ArrayList<>()));
    for (Edge edge : spec.getEdgesList()) {
      preds.get(edge.getTo()).add(edge.getFrom());
    }
    for (Node n : nodes) {
      if (n.hasBranch()) {
        for (String target : targets(n)) {
          if (!preds.get(target).contains(n.getId())) {
            preds.get(target).add(n.getId());
          }
        }
      }
    }
    String entry = spec.getEntry();
    if (entry.isEmpty()) {
      entry =
          nodes.stream()
              .filter(n -> preds.get(n.getId()).isEmpty())
              .map(Node::getId)
              .findFirst()
              .orElse(nodes.get(0).getId());
    }
    Map<String, Boolean> ran = new HashMap<>(); // id -> true (done) / false (skipped)
    Map<String, String> chosen = new HashMap<>();
    Value last = Value.getDefaultInstance();
    boolean progress = true;
    while (progress) {
      progress = false;
      for (Node node : nodes) {
        String id = node.getId();
        if (ran.containsKey(id)) {
          continue;
        }
        Boolean runIt = id.equals(entry) ? Boolean.TRUE : decide(preds.get(id), id, ran, chosen);
        if (runIt == null) {
          continue;
        }
        progress = true;
        if (!runIt) {
          ran.put(id, false);
          continue;
        }
        Value output = runNode(node, scope);
        scope.nodes.put(id, JsonValues.toCel(output));
        ran.put(id, true);
        if (!node.getCompensateWith().isEmpty()) {
          compensable.add(id);
        }
        if (node.hasBranch()) {
          chosen.put(id, output.getStringValue());
        } else {
          last = output;
        }
        break; // rescan from the top: spec order decides, deterministically
      }
    }
    return last;
  }

  /** True to run, false to skip, null while some predecessor is undecided. */
  private static @Nullable Boolean decide(
      List<String> preds, String id, Map<String, Boolean> ran, Map<String, String> chosen) {
    if (preds.isEmpty()) {
      return false; // a root other than the entry is not on any taken path
    }
    boolean taken = false;
    for (String p : preds) {
      Boolean state = ran.get(p);
      if (state == null) {
        return null;
      }
      if (state && (!chosen.containsKey(p) || chosen.get(p).equals(id))) {
        taken = true;
      }
    }
    return taken;
  }

  private static List<String> targets(Node branch) {
    List<String> targets = new ArrayList<>();
    branch.getBranch().getCasesList().forEach(c -> targets.add(c.getTarget()));
    if (!branch.getBranch().getDefaultTarget().isEmpty()) {
      targets.add(branch.getBranch().getDefaultTarget());
    }
    return targets;
  }

  // ---- one node ----

  private Value runNode(Node node, Scope scope) throws InterruptedException {
    String path = scope.prefix + node.getId();
    Optional<Value> done = journal.output(path);
    if (done.isPresent()) {
      return done.get();
    }
    checkStop();
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
                                          toolArguments(node, scope),
                                          executionId + "/" + path + "/" + attempt,
                                          "",
                                          attemptTimeout(node))));
          case BRANCH -> once(path, () -> JsonValues.of(branch(node, scope)));
          case PARALLEL -> once(path, () -> parallel(node, path, scope));
          case MAP -> once(path, () -> map(node, path, scope));
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
                                              prompt(node, scope),
                                              attemptTimeout(node)))));
          case WAIT -> once(path, () -> await(node.getWait(), path, scope.parkable));
          case SUB_WORKFLOW ->
              once(
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

  /** The tool node's arguments: its CEL expression's value, which must be a map. */
  private String prompt(Node node, Scope scope) {
    Value value = services.expressions().eval(node.getLlm().getPrompt(), scope.vars());
    if (!value.hasStringValue()) {
      throw new NodeFailure(
          Status.Code.INVALID_ARGUMENT,
          "node "
              + node.getId()
              + ": prompt must evaluate to a string, got "
              + value.getKindCase());
    }
    return value.getStringValue();
  }

  private Struct toolArguments(Node node, Scope scope) {
    String expression = node.getTool().getArguments();
    if (expression.isEmpty()) {
      return Struct.getDefaultInstance();
    }
    Value value = services.expressions().eval(expression, scope.vars());
    if (!value.hasStructValue()) {
      throw new NodeFailure(
          Status.Code.INVALID_ARGUMENT,
          "node "
              + node.getId()
              + ": arguments must evaluate to a map, got "
              + value.getKindCase());
    }
    return value.getStructValue();
  }

  @FunctionalInterface
  private interface Attempt {
    Value run(int attempt) throws InterruptedException;
  }

  @FunctionalInterface
  private interface Body {
    Value run() throws InterruptedException;
  }

  private Value once(String path, Body body) throws InterruptedException {
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
      return body.run();
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

  private Value withRetries(Node node, String path, Attempt body) throws InterruptedException {
    Backoff backoff = Backoff.of(node.getRetry(), spec.getDefaultRetry(), node.hasRetry());
    // A resumed step re-runs the attempt it was on, hence with the same idempotency key.
    int attempt = Math.max(1, journal.attempt(path));
    while (true) {
      checkStop();
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
      try {
        return body.run(attempt);
      } catch (NodeFailure failure) {
        // A step cut short by a cancellation (a panel tool's call) ends the run as cancelled.
        checkStop();
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
        long retryAt = now() + delay.toMillis();
        event(
            ExecutionEvent.newBuilder()
                .setNodeRetried(
                    NodeRetried.newBuilder()
                        .setNodeId(path)
                        .setNextAttempt(attempt)
                        .setRetryTime(Timestamps.fromMillis(retryAt))));
        sleepUntil(retryAt);
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
    if (compensating) {
      return timeout; // compensations run past the execution's deadline
    }
    long remaining = Math.max(1, deadlineMillis - now());
    return timeout.toMillis() > remaining ? Duration.ofMillis(remaining) : timeout;
  }

  // ---- node kinds ----

  private String branch(Node node, Scope scope) {
    for (BranchCase c : node.getBranch().getCasesList()) {
      if (services.expressions().test(c.getCondition(), scope.vars())) {
        return c.getTarget();
      }
    }
    if (!node.getBranch().getDefaultTarget().isEmpty()) {
      return node.getBranch().getDefaultTarget();
    }
    throw new NodeFailure(
        Status.Code.FAILED_PRECONDITION, "no case of branch " + node.getId() + " matched");
  }

  private Value parallel(Node node, String path, Scope scope) throws InterruptedException {
    List<Steps> branches = node.getParallel().getBranchesList();
    List<Future<Value>> results = new ArrayList<>();
    try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (Steps branch : branches) {
        Scope child = scope.child(scope.prefix, scope.item, scope.index);
        results.add(threads.submit(() -> runSteps(branch, child)));
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
                () -> {
                  try {
                    return runSteps(node.getMap().getBody(), child);
                  } finally {
                    permits.release();
                  }
                }));
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

  private Value await(WaitNode wait, String path, boolean parkable) throws InterruptedException {
    if (wait.hasTimer()) {
      long fireAt =
          journal.timer(path, now(), Duration.ofMillis(Durations.toMillis(wait.getTimer())));
      if (parkable) {
        parkIfLong(Math.min(fireAt, deadlineMillis), "");
      }
      sleepUntil(fireAt);
      return JsonValues.of(
          Struct.newBuilder()
              .putFields(
                  "firedAt", JsonValues.of(Timestamps.toString(Timestamps.fromMillis(fireAt))))
              .build());
    }
    String name = wait.getSignal().getName();
    long giveUp =
        wait.getSignal().hasTimeout()
            ? journal.timer(
                path, now(), Duration.ofMillis(Durations.toMillis(wait.getSignal().getTimeout())))
            : Long.MAX_VALUE;
    while (true) {
      Optional<Value> payload = journal.signal(name);
      if (payload.isPresent()) {
        return payload.get();
      }
      checkStop();
      long now = now();
      if (now >= giveUp) {
        throw new NodeFailure(
            Status.Code.DEADLINE_EXCEEDED, "signal '" + name + "' did not arrive in time");
      }
      if (parkable) {
        parkIfLong(Math.min(giveUp, deadlineMillis), name);
      }
      journal.awaitChange(slice(Math.min(giveUp, deadlineMillis) - now));
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

  /**
   * Lets go of the run (see {@link Outcome.Parked}) when it would wait past {@code
   * services.parkAfter()} for {@code wakeAtMillis} or signal {@code signal}.
   */
  private void parkIfLong(long wakeAtMillis, String signal) {
    Duration after = services.parkAfter();
    if (!after.isNegative() && wakeAtMillis - now() > after.toMillis()) {
      throw new Park(wakeAtMillis, signal);
    }
  }

  private void sleepUntil(long atMillis) throws InterruptedException {
    journal.flush(); // a retry's events (and a timer) are visible while it waits
    while (true) {
      checkStop();
      long now = now();
      if (now >= atMillis) {
        return;
      }
      long until = compensating ? atMillis : Math.min(atMillis, deadlineMillis);
      journal.awaitChange(slice(until - now));
    }
  }

  private static Duration slice(long millis) {
    return Duration.ofMillis(Math.max(1, Math.min(millis, MAX_WAIT_SLICE.toMillis())));
  }

  private void checkStop() {
    if (compensating) {
      return;
    }
    String reason = journal.cancelReason();
    if (reason != null) {
      throw new Stopped(
          ExecutionStatus.EXECUTION_STATUS_CANCELLED,
          Status.Code.CANCELLED,
          reason.isEmpty() ? "cancelled" : "cancelled: " + reason);
    }
    if (now() >= deadlineMillis) {
      throw new Stopped(
          ExecutionStatus.EXECUTION_STATUS_TIMED_OUT,
          Status.Code.DEADLINE_EXCEEDED,
          "the execution timeout passed");
    }
  }

  private long now() {
    return services.clock().millis();
  }

  private void event(ExecutionEvent.Builder event) {
    journal.event(timed(event));
  }

  private ExecutionEvent.Builder timed(ExecutionEvent.Builder event) {
    return event.setTime(Timestamps.fromMillis(now()));
  }

  /** Ends a run early: cancelled or past its deadline. */
  private static final class Stopped extends RuntimeException {
    final ExecutionStatus status;
    final Status.Code code;

    Stopped(ExecutionStatus status, Status.Code code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  /** Unwinds a run that parks: see {@link Outcome.Parked}. */
  private static final class Park extends RuntimeException {
    final long wakeAtMillis;
    final String signal;

    Park(long wakeAtMillis, String signal) {
      super(null, null, false, false);
      this.wakeAtMillis = wakeAtMillis;
      this.signal = signal;
    }
  }

  /**
   * What CEL sees at one point of the graph, and the step-path prefix of the nodes there. Only the
   * top level may park: a wait inside a parallel or map branch keeps its thread, so that branches
   * running beside it are not cut short.
   */
  private final class Scope {
    final String prefix;
    final Map<String, Object> nodes;
    final @Nullable Object item;
    final @Nullable Long index;
    final boolean parkable;

    Scope(
        String prefix,
        Map<String, Object> nodes,
        @Nullable Object item,
        @Nullable Long index,
        boolean parkable) {
      this.prefix = prefix;
      this.nodes = nodes;
      this.item = item;
      this.index = index;
      this.parkable = parkable;
    }

    Scope child(String prefix, @Nullable Object item, @Nullable Long index) {
      return new Scope(prefix, new LinkedHashMap<>(nodes), item, index, false);
    }

    Map<String, Object> vars() {
      Map<String, Object> vars = new HashMap<>(4);
      vars.put("input", input);
      vars.put("nodes", nodes);
      if (item != null) {
        vars.put("item", item);
      }
      if (index != null) {
        vars.put("index", index);
      }
      return vars;
    }
  }
}
