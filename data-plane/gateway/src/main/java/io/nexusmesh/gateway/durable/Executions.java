package io.nexusmesh.gateway.durable;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionCompleted;
import io.nexusmesh.api.gateway.v1.ExecutionEvent;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.api.workflow.v1.ExecutionMode;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.gateway.engine.AgentSteps;
import io.nexusmesh.gateway.engine.Expressions;
import io.nexusmesh.gateway.engine.HttpCaller;
import io.nexusmesh.gateway.engine.InMemoryJournal;
import io.nexusmesh.gateway.engine.Journal;
import io.nexusmesh.gateway.engine.Outcome;
import io.nexusmesh.gateway.engine.RunServices;
import io.nexusmesh.gateway.engine.RunTracing;
import io.nexusmesh.gateway.engine.WorkflowCatalog;
import io.nexusmesh.gateway.engine.WorkflowRun;
import io.nexusmesh.gateway.payload.FilePayloadStore;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.runtime.telemetry.TraceParents;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable execution engine of a gateway: starts executions, runs each on a virtual thread, and
 * keeps durable ones resumable. Every running durable execution has an owner lease in Redis that
 * this gateway renews; a recovery loop takes over executions whose lease expired (their gateway
 * died) and resumes them from their journals. Cancellations and signals reach the owner through
 * Redis pub/sub, whichever gateway received them.
 */
public final class Executions implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Executions.class);
  private static final Duration DEFAULT_TIMEOUT = Duration.ofHours(24);

  /** How often each gateway looks for parked executions that are due. */
  private static final long WAKE_SCAN_MILLIS = 100;

  /** Told about every execution that ended on this gateway (usage metering, session events). */
  @FunctionalInterface
  public interface Listener {
    /** {@code execution} ended after {@code nodeRuns} node attempts on this gateway. */
    void ended(String org, Execution execution, long nodeRuns, Duration took);

    /**
     * The step at {@code path} of {@code execution}, which runs in a session, completed on this
     * gateway.
     */
    default void stepCompleted(String org, Execution execution, String path) {}
  }

  /**
   * A request to start an execution.
   *
   * @param beforeRun called with the new execution once it exists and before it runs (not for a
   *     retried request that joins the execution of its first attempt), so that what it records or
   *     announces (a session's history, its "started" event) comes before anything the run does
   */
  public record NewExecution(
      String org,
      DeployedWorkflow deployment,
      Struct input,
      String requestId,
      String sessionId,
      Consumer<Execution> beforeRun) {}

  /**
   * One run of an execution on this gateway; {@code firstRun} is its span when this run is the
   * execution's first (null: a resumed run, which starts its own).
   */
  private record LocalRun(
      Journal journal,
      CompletableFuture<Execution> done,
      boolean durable,
      @Nullable Thread thread,
      @Nullable Span firstRun) {}

  private final ExecutionStore store;
  private final ParkingLot parking;
  private final Resumption resumption;
  private final RunServices services;
  private final RunTracing tracing = new RunTracing();
  private final WorkflowCatalog catalog;
  private final Clock clock;
  private final Listener listener;
  private final EngineOptions options;
  private final Map<String, LocalRun> local = new ConcurrentHashMap<>();
  // Executions this gateway can answer for before (or without) Redis: ephemeral runs until their
  // record is stored.
  private final Map<String, ExecutionStore.Stored> inMemory = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timers =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("nexus-leases").factory());
  private final RTopic control;
  private final EphemeralRecords ephemeralRecords;
  private volatile boolean closing;
  private int controlListener = -1;

  public Executions(
      RedissonClient redis,
      Expressions expressions,
      HttpCaller http,
      io.nexusmesh.gateway.panel.PanelTools tools,
      WorkflowCatalog catalog,
      Clock clock,
      Listener listener,
      EngineOptions options) {
    this(redis, expressions, http, tools, AgentSteps.NONE, catalog, clock, listener, options);
  }

  /** With {@code agents} running the workflows' llm nodes. */
  public Executions(
      RedissonClient redis,
      Expressions expressions,
      HttpCaller http,
      io.nexusmesh.gateway.panel.PanelTools tools,
      AgentSteps agents,
      WorkflowCatalog catalog,
      Clock clock,
      Listener listener,
      EngineOptions options) {
    this.store = new ExecutionStore(requireNonNull(redis, "redis"), options.payloads());
    ChildRuns children =
        new ChildRuns(
            store,
            requireNonNull(catalog, "catalog"),
            requireNonNull(clock, "clock"),
            options,
            this::runServices,
            (stored, journal, outcome) -> finish(stored, journal, true, outcome));
    this.services =
        new RunServices(
            expressions,
            http,
            tools,
            children,
            agents,
            clock,
            options.parkAfter(),
            options.bulkheads(),
            tracing);
    this.parking = new ParkingLot(redis);
    this.resumption =
        new Resumption(
            store,
            parking,
            options,
            clock,
            new Resumption.Host() {
              @Override
              public boolean runsHere(String id) {
                return local.containsKey(id);
              }

              @Override
              public List<String> durableHere() {
                return local.entrySet().stream()
                    .filter(e -> e.getValue().durable())
                    .map(Map.Entry::getKey)
                    .toList();
              }

              @Override
              public void launch(ExecutionStore.Stored stored, RedisJournal journal) {
                Executions.this.launch(stored, journal, true, null);
              }

              @Override
              public boolean closing() {
                return closing;
              }
            });
    this.catalog = requireNonNull(catalog, "catalog");
    this.clock = requireNonNull(clock, "clock");
    this.listener = requireNonNull(listener, "listener");
    this.options = requireNonNull(options, "options");
    this.control = redis.getTopic("nx:control", StringCodec.INSTANCE);
    this.ephemeralRecords =
        new EphemeralRecords(
            store,
            options.retention(),
            record -> inMemory.remove(record.execution().getId(), record));
  }

  /**
   * Exports {@code nexus_executions_in_memory}: executions this gateway holds a run of (running, or
   * waiting without being parked).
   */
  public void bindMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
    io.micrometer.core.instrument.Gauge.builder("nexus.executions.in.memory", local, Map::size)
        .description("executions this gateway holds a run of (running, or waiting unparked)")
        .register(registry);
  }

  /** Traces runs and their steps with {@code otel} (see {@link RunTracing}). */
  public void bindTracing(OpenTelemetry otel) {
    tracing.bind(otel);
  }

  private RunServices runServices() {
    return services;
  }

  /** The store behind the engine (reads for the API). */
  public ExecutionStore store() {
    return store;
  }

  /** Starts renewing leases, resuming orphaned executions, and listening for control messages. */
  public void start() {
    controlListener = control.addListener(String.class, (channel, message) -> onControl(message));
    long renewEvery = Math.max(100, options.leaseTtl().toMillis() / 3);
    timers.scheduleWithFixedDelay(
        resumption::renewLeases, renewEvery, renewEvery, TimeUnit.MILLISECONDS);
    long scanEvery = Math.max(100, options.leaseTtl().toMillis() / 2);
    timers.scheduleWithFixedDelay(resumption::recover, 0, scanEvery, TimeUnit.MILLISECONDS);
    timers.scheduleWithFixedDelay(
        resumption::wakeDue, WAKE_SCAN_MILLIS, WAKE_SCAN_MILLIS, TimeUnit.MILLISECONDS);
    if (options.payloads().store() instanceof FilePayloadStore files) {
      // S3 expires objects by a lifecycle rule; files are swept once their execution is gone.
      timers.scheduleWithFixedDelay(() -> sweep(files), 1, 360, TimeUnit.MINUTES);
    }
  }

  private void sweep(FilePayloadStore files) {
    try {
      int deleted = files.sweep(id -> store.find(id).isPresent(), Duration.ofHours(1));
      if (deleted > 0) {
        log.info(
            "deleted the payloads of {} expired executions from {}", deleted, files.describe());
      }
    } catch (RuntimeException e) {
      log.warn("could not sweep {}", files.describe(), e);
    }
  }

  // ---- starting and reading ----

  /**
   * An execution as created (RUNNING), and its end.
   *
   * @param followIfLetGo starts following the execution in Redis if its run already let go of it
   *     (parked): a run that parks follows its execution only for callers already waiting, and a
   *     caller may come to wait just after (an MCP call writes its request id first)
   */
  public record Started(
      Execution execution, CompletableFuture<Execution> completion, Runnable followIfLetGo) {
    /**
     * The execution's end, for a caller about to wait for it: a view that completes with it, and
     * that completes even when the run parked before this call.
     */
    @Override
    public CompletableFuture<Execution> completion() {
      CompletableFuture<Execution> end = completion.copy(); // a waiter the parking run can see...
      followIfLetGo.run(); // ...else, if it parked already, one that follows it in Redis
      return end;
    }

    /** Whether the execution has ended, without waiting for it. */
    public boolean ended() {
      return completion.isDone();
    }
  }

  /** Creates an execution and starts running it. */
  public Started start(NewExecution request) {
    DeployedWorkflow deployment = request.deployment();
    WorkflowSpec spec = deployment.getSpec();
    int inputSize = request.input().getSerializedSize();
    if (inputSize > options.payloads().maxBytes()) {
      throw NexusException.invalidArgument(
          "input",
          inputSize + " bytes, above the limit of " + options.payloads().maxBytes() + " bytes");
    }
    String id = UUID.randomUUID().toString().replace("-", "");
    boolean durable = spec.getMode() != ExecutionMode.EXECUTION_MODE_EPHEMERAL;
    long now = clock.millis();
    RunTracing.Run traced =
        tracing.firstRun(
            TraceParents.current(),
            request.org(),
            id,
            deployment.getWorkflowId(),
            deployment.getVersion(),
            durable);
    SpanContext trace = traced.span().getSpanContext();
    Execution execution =
        Execution.newBuilder()
            .setTraceId(trace.isValid() ? trace.getTraceId() : "")
            .setName("executions/" + id)
            .setId(id)
            .setWorkflowId(deployment.getWorkflowId())
            .setWorkflowVersion(deployment.getVersion())
            .setStatus(ExecutionStatus.EXECUTION_STATUS_RUNNING)
            .setMode(
                durable
                    ? ExecutionMode.EXECUTION_MODE_DURABLE
                    : ExecutionMode.EXECUTION_MODE_EPHEMERAL)
            .setInput(request.input())
            .setSessionId(request.sessionId())
            .setCreateTime(Timestamps.fromMillis(now))
            .build();
    long deadline = now + timeoutOf(spec).toMillis();
    var stored =
        new ExecutionStore.Stored(execution, request.org(), spec, deadline, null, traced.origin());
    Journal journal;
    try {
      if (durable) {
        // Created before its request id is claimed, so a claimed id always names a stored
        // execution, even if this gateway dies right after.
        store.create(stored, true, options.owner(), options.leaseTtl(), request.requestId());
      }
      if (!request.requestId().isEmpty()) {
        Optional<String> first =
            store.claimRequest(request.org(), request.requestId(), id, options.retention());
        if (first.isPresent()) {
          if (durable) {
            store.discard(request.org(), id);
          }
          traced.span().setAttribute("nexus.execution.joined", first.get()).end();
          Execution joined =
              get(request.org(), first.get())
                  .orElseThrow(() -> NexusException.notFound("execution", first.get()));
          return new Started(joined, completion(request.org(), joined.getId()), () -> {});
        }
      }
      journal = durable ? RedisJournal.fresh(store, id) : new InMemoryJournal(id);
      request.beforeRun().accept(execution);
    } catch (RuntimeException e) {
      RunTracing.notRun(traced.span(), e); // it never started: its span ends here
      throw e;
    }
    CompletableFuture<Execution> done = launch(stored, journal, durable, traced.span());
    return new Started(
        execution,
        done,
        () -> {
          if (!local.containsKey(id)) {
            poll(request.org(), id, done); // returns at once once it ended
          }
        });
  }

  /** The execution, from this gateway's memory (a running ephemeral one) or from Redis. */
  public Optional<Execution> get(String org, String id) {
    Optional<Execution> stored = store.find(org, id).map(ExecutionStore.Stored::execution);
    if (stored.isPresent()) {
      return stored;
    }
    return Optional.ofNullable(inMemory.get(id))
        .filter(s -> s.org().equals(org))
        .map(ExecutionStore.Stored::execution);
  }

  /**
   * Completes when the execution ends: at once for one that ended, through this gateway's own run
   * when it runs here, else by polling Redis (it runs on another gateway).
   */
  public CompletableFuture<Execution> completion(String org, String id) {
    LocalRun run = local.get(id);
    if (run != null) {
      return run.done();
    }
    CompletableFuture<Execution> done = new CompletableFuture<>();
    poll(org, id, done);
    return done;
  }

  private void poll(String org, String id, CompletableFuture<Execution> done) {
    if (done.isDone()) {
      return;
    }
    Optional<Execution> now = get(org, id);
    if (now.isEmpty()) {
      done.completeExceptionally(NexusException.notFound("execution", id));
    } else if (isFinal(now.get().getStatus())) {
      done.complete(now.get());
    } else {
      timers.schedule(() -> poll(org, id, done), 50, TimeUnit.MILLISECONDS);
    }
  }

  /** Asks an execution to stop. A finished one is returned unchanged. */
  public Execution cancel(String org, String id, String reason) {
    Execution execution = get(org, id).orElseThrow(() -> NexusException.notFound("execution", id));
    if (isFinal(execution.getStatus())) {
      return execution;
    }
    LocalRun run = local.get(id);
    if (run != null && run.journal() instanceof InMemoryJournal memory) {
      memory.cancel(reason);
      return execution;
    }
    store.requestCancel(id, reason);
    if (parking.claim(id, options.owner(), options.leaseTtl())) {
      resumption.resumeLater(id); // it was parked: run it here, to its cancellation
    } else {
      control.publish("cancel " + id);
    }
    return execution;
  }

  /** Delivers a signal to an execution (buffered until a wait node asks for it). */
  public void signal(String org, String id, String name, Value payload) {
    Execution execution = get(org, id).orElseThrow(() -> NexusException.notFound("execution", id));
    if (isFinal(execution.getStatus())) {
      throw NexusException.of(
          io.nexusmesh.api.common.v1.ErrorReason.ERROR_REASON_FAILED_PRECONDITION,
          "execution " + id + " already ended " + execution.getStatus());
    }
    LocalRun run = local.get(id);
    if (run != null && run.journal() instanceof InMemoryJournal memory) {
      memory.deliver(name, payload);
      return;
    }
    if (parking.signal(id, name, payload, options.owner(), options.leaseTtl())) {
      resumption.resumeLater(id); // it was parked waiting for this signal: it goes on here
    } else {
      control.publish("signal " + id);
    }
  }

  /** Up to {@code limit} executions of {@code org}, newest first, from position {@code offset}. */
  public ExecutionStore.IndexPage page(String org, int offset, int limit) {
    return store.page(org, offset, limit);
  }

  /** Whether {@code status} is final. */
  public static boolean isFinal(ExecutionStatus status) {
    return status != ExecutionStatus.EXECUTION_STATUS_RUNNING
        && status != ExecutionStatus.EXECUTION_STATUS_UNSPECIFIED;
  }

  // ---- running ----

  private CompletableFuture<Execution> launch(
      ExecutionStore.Stored stored, Journal journal, boolean durable, @Nullable Span firstRun) {
    String id = stored.execution().getId();
    var done = new CompletableFuture<Execution>();
    inMemory.put(id, stored);
    if (computesOnly(stored.spec())) {
      // A few microseconds of CEL (and, when durable, one write at the end) cost less than
      // handing the run to another thread and back.
      LocalRun run = new LocalRun(journal, done, durable, null, firstRun);
      local.put(id, run);
      drive(stored, run);
      return done;
    }
    var ready = new CompletableFuture<LocalRun>();
    Thread thread =
        Thread.ofVirtual().name("execution-" + id).unstarted(() -> drive(stored, ready.join()));
    LocalRun run = new LocalRun(journal, done, durable, thread, firstRun);
    local.put(id, run);
    ready.complete(run);
    thread.start();
    return done;
  }

  /** Runs {@code self} in its span: the execution's first run, or a resumed one. */
  private void drive(ExecutionStore.Stored stored, LocalRun self) {
    Span span =
        self.firstRun() != null
            ? self.firstRun()
            : tracing.resumedRun(stored.trace(), stored.org(), stored.execution());
    try (var current = span.makeCurrent()) {
      driveRun(stored, self);
    } finally {
      RunTracing.ended(span, self.done());
    }
  }

  private void driveRun(ExecutionStore.Stored stored, LocalRun self) {
    Journal journal = self.journal();
    boolean durable = self.durable();
    CompletableFuture<Execution> done = self.done();
    Execution execution = stored.execution();
    String id = execution.getId();
    long started = clock.millis();
    WorkflowRun run =
        new WorkflowRun(
            services,
            id,
            execution.getWorkflowId(),
            stored.org(),
            stored.spec(),
            execution.getInput(),
            stored.deadlineMillis(),
            execution.getSessionId().isEmpty()
                ? journal
                : new StepReportingJournal(
                    journal, path -> listener.stepCompleted(stored.org(), execution, path)));
    try {
      Outcome outcome = run.run();
      while (outcome instanceof Outcome.Parked parked && journal instanceof RedisJournal redis) {
        switch (redis.park(parking, options.owner(), parked.wakeAtMillis(), parked.signal())) {
          case PARKED -> {
            // Gone from this gateway's runs before waiters are counted: a caller that comes to
            // wait later sees that (Started.completion) and follows it itself.
            local.remove(id, self);
            followElsewhere(stored, done);
            return;
          }
          case LOST -> {
            log.warn("execution {} lost its lease while parking; its new owner runs it", id);
            local.remove(id, self);
            followElsewhere(stored, done);
            return;
          }
          case GO_ON -> outcome = run.run(); // what it waits for came meanwhile: replay, go on
        }
      }
      if (closing && durable) {
        // Shutting down: leave it to another gateway, which resumes it from the journal.
        store.releaseLease(id, options.owner());
        done.cancel(false);
        return;
      }
      Execution ended = finish(stored, journal, durable, outcome);
      listener.ended(
          stored.org(), ended, run.nodeRuns(), Duration.ofMillis(clock.millis() - started));
      done.complete(ended);
    } catch (RuntimeException e) {
      if (closing && durable) {
        // Interrupted by a graceful shutdown: another gateway resumes it from the journal.
        log.info("execution {} handed back on shutdown; another gateway resumes it", id);
        releaseQuietly(id);
        done.cancel(false);
        return;
      }
      // A Redis outage mid-run: the lease lapses and a healthy gateway resumes the execution.
      log.error("execution {} stopped on an unexpected error; it will be resumed", id, e);
      inMemory.remove(id, stored);
      done.completeExceptionally(e);
    } finally {
      // Only this run's entries: once parked, the execution may already run here again.
      local.remove(id, self);
      if (durable) {
        inMemory.remove(id, stored);
      }
    }
  }

  /**
   * The run let go of a parked execution: a caller still waiting for its end (an Execute call)
   * follows it in Redis, wherever it is resumed; nobody waiting, nothing is kept.
   */
  private void followElsewhere(ExecutionStore.Stored stored, CompletableFuture<Execution> done) {
    if (done.getNumberOfDependents() > 0) {
      poll(stored.org(), stored.execution().getId(), done);
    }
  }

  private Execution finish(
      ExecutionStore.Stored stored, Journal journal, boolean durable, Outcome outcome) {
    Execution.Builder ended =
        stored.execution().toBuilder()
            .setStatus(outcome.status())
            .setEndTime(Timestamps.fromMillis(clock.millis()));
    var completed = ExecutionCompleted.newBuilder().setStatus(outcome.status());
    switch (outcome) {
      case Outcome.Succeeded s -> {
        ended.setOutput(s.output());
        completed.setOutput(s.output());
      }
      case Outcome.Ended e -> {
        ended.setError(e.error()).addAllCompensations(e.compensations());
        completed.setError(e.error());
      }
      case Outcome.Parked p -> throw new IllegalStateException("a parked run has not ended: " + p);
    }
    Execution execution = ended.build();
    if (durable) {
      ((RedisJournal) journal)
          .finish(
              execution,
              ExecutionEvent.newBuilder()
                  .setTime(execution.getEndTime())
                  .setExecutionCompleted(completed),
              options.retention());
    } else {
      var record =
          new ExecutionStore.Stored(
              execution, stored.org(), stored.spec(), stored.deadlineMillis(), null);
      // Stored off the caller's path; until it is, this gateway answers reads from memory.
      inMemory.put(execution.getId(), record);
      ephemeralRecords.add(record);
    }
    return execution;
  }

  private void releaseQuietly(String id) {
    Thread.interrupted(); // the shutdown's interrupt was seen; the release must not be refused
    try {
      store.releaseLease(id, options.owner());
    } catch (RuntimeException e) {
      // Its lease expires on its own; a peer resumes it a little later.
    }
  }

  private void onControl(String message) {
    int space = message.indexOf(' ');
    if (space < 0) {
      return;
    }
    String verb = message.substring(0, space);
    String id = message.substring(space + 1);
    LocalRun run = local.get(id);
    if (run != null && run.journal() instanceof RedisJournal journal) {
      if (verb.equals("cancel")) {
        String reason = store.cancelReason(id);
        journal.cancel(reason == null ? "" : reason);
        // A panel tool in flight is not waited for: its call is cancelled now (after the
        // journal knows why, so the step's failure ends the run as cancelled).
        services.tools().cancelCalls(id);
      } else {
        journal.wake();
      }
    }
  }

  /**
   * Whether executions of {@code spec} run on the thread that starts them, to their end, touching
   * neither Redis nor the network: EPHEMERAL workflows whose nodes only compute (transforms and
   * branches, no retries).
   */
  public static boolean runsInline(WorkflowSpec spec) {
    return spec.getMode() == ExecutionMode.EXECUTION_MODE_EPHEMERAL && computesOnly(spec);
  }

  /**
   * Whether the run only computes: every node is a transform or a branch (no I/O, no waiting, no
   * children) and no retry policy can make it sleep between attempts.
   */
  private static boolean computesOnly(WorkflowSpec spec) {
    return !spec.hasDefaultRetry()
        && spec.getNodesList().stream()
            .allMatch(
                node ->
                    !node.hasRetry()
                        && switch (node.getKindCase()) {
                          case TRANSFORM, BRANCH -> true;
                          default -> false;
                        });
  }

  static Duration timeoutOf(WorkflowSpec spec) {
    return spec.hasExecutionTimeout()
        ? Duration.ofMillis(Durations.toMillis(spec.getExecutionTimeout()))
        : DEFAULT_TIMEOUT;
  }

  /**
   * Stops: durable runs are interrupted and their leases released so that another gateway resumes
   * them at once; ephemeral runs get {@code grace} to finish.
   */
  @Override
  public void close() {
    closing = true;
    timers.shutdownNow();
    if (controlListener >= 0) {
      control.removeListener(controlListener);
    }
    local.forEach(
        (id, run) -> {
          if (run.durable() && run.thread() != null) {
            run.thread().interrupt();
          }
        });
    local
        .values()
        .forEach(
            run ->
                run.done()
                    .handle((e, t) -> null)
                    .completeOnTimeout(null, 5, TimeUnit.SECONDS)
                    .join());
    ephemeralRecords.close();
  }
}
