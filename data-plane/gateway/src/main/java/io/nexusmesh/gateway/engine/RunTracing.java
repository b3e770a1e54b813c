package io.nexusmesh.gateway.engine;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.api.workflow.v1.Node;
import io.nexusmesh.runtime.telemetry.TraceParents;
import io.nexusmesh.runtime.telemetry.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The spans of the durable engine: one per run of an execution on one gateway (a resumed run
 * continues the execution's trace and links to its first run), and one per attempt of each step,
 * named {@code step <path>} with the node's id, kind and attempt.
 *
 * <p>An execution's trace outlives the gateway that started it: {@link Origin} is what its record
 * keeps (two W3C {@code traceparent}s), so another gateway resuming it after a crash or a parked
 * wait puts its spans in the same trace.
 */
public final class RunTracing {
  private static final String INSTRUMENTATION = "io.nexusmesh.gateway.engine";
  static final AttributeKey<String> NODE_ID = AttributeKey.stringKey("nexus.node.id");
  static final AttributeKey<String> NODE_KIND = AttributeKey.stringKey("nexus.node.kind");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("nexus.step.attempt");

  private volatile Tracer tracer = OpenTelemetry.noop().getTracer(INSTRUMENTATION);

  /** Traces with {@code otel} from now on. */
  public void bind(OpenTelemetry otel) {
    tracer = requireNonNull(otel, "otel").getTracer(INSTRUMENTATION);
  }

  /**
   * Where an execution's trace began, kept in its record.
   *
   * @param parent the context every run of it is a child of: its caller's, else its first run
   * @param firstRun the span of its first run, which resumed runs link to
   */
  public record Origin(String parent, String firstRun) {
    public static final Origin NONE = new Origin("", "");

    public Origin {
      requireNonNull(parent, "parent");
      requireNonNull(firstRun, "firstRun");
    }
  }

  /** The run span of an execution and where its trace began. */
  public record Run(Span span, Origin origin) {}

  /**
   * Starts the first run of an execution, as a child of {@code caller} (its request's trace); with
   * {@code durable}, also says where its trace began, for its record.
   */
  public Run firstRun(
      Context caller,
      String org,
      String executionId,
      String workflowId,
      long version,
      boolean durable) {
    Span span = runSpan(org, workflowId, executionId, version).setParent(caller).startSpan();
    if (!durable) {
      return new Run(span, Origin.NONE);
    }
    String own = TraceParents.of(span.getSpanContext());
    String parent = TraceParents.of(caller);
    return new Run(span, new Origin(parent.isEmpty() ? own : parent, own));
  }

  /**
   * Starts a later run of an execution (resumed after a crash, a hand-over or a parked wait): in
   * the same trace as its first run, linked to it.
   */
  public Span resumedRun(Origin origin, String org, Execution execution) {
    var builder =
        runSpan(org, execution.getWorkflowId(), execution.getId(), execution.getWorkflowVersion())
            .setAttribute("nexus.execution.resumed", true)
            .setParent(TraceParents.parse(origin.parent()));
    SpanContext first = TraceParents.spanOf(origin.firstRun());
    if (first.isValid()) {
      builder.addLink(first, Attributes.of(AttributeKey.stringKey("nexus.link"), "first_run"));
    }
    return builder.startSpan();
  }

  private io.opentelemetry.api.trace.SpanBuilder runSpan(
      String org, String workflowId, String executionId, long version) {
    return tracer
        .spanBuilder("execute " + workflowId)
        .setSpanKind(SpanKind.INTERNAL)
        .setAttribute(Tracing.ORG, org)
        .setAttribute("nexus.execution.id", executionId)
        .setAttribute("nexus.workflow.id", workflowId)
        .setAttribute("nexus.workflow.version", version);
  }

  /**
   * Ends a run's span; when the run ended the execution (rather than parking it or handing it
   * back), with the execution's status, ERROR unless it succeeded.
   */
  public static void ended(Span span, CompletableFuture<Execution> done) {
    if (done.isDone() && !done.isCompletedExceptionally()) {
      ExecutionStatus status = done.join().getStatus();
      span.setAttribute("nexus.execution.status", status.name());
      if (status != ExecutionStatus.EXECUTION_STATUS_SUCCEEDED) {
        span.setStatus(StatusCode.ERROR, status.name());
      }
    }
    span.end();
  }

  /** Ends the span of a run that never started, failed by {@code cause}. */
  public static void notRun(Span span, RuntimeException cause) {
    span.recordException(cause);
    span.setStatus(StatusCode.ERROR, cause.getClass().getSimpleName());
    span.end();
  }

  /** Starts the span of one attempt of step {@code path} under the current context. */
  Span step(Node node, String path, int attempt) {
    return tracer
        .spanBuilder("step " + path)
        .setSpanKind(SpanKind.INTERNAL)
        .setAttribute(NODE_ID, path)
        .setAttribute(NODE_KIND, node.getKindCase().name().toLowerCase(Locale.ROOT))
        .setAttribute(ATTEMPT, (long) attempt)
        .startSpan();
  }

  /** Ends {@code span} as failed with {@code failure}'s code. */
  static void failed(Span span, NodeFailure failure) {
    span.setStatus(StatusCode.ERROR, failure.code().name());
    span.setAttribute("rpc.grpc.status_code", failure.code().value());
  }
}
