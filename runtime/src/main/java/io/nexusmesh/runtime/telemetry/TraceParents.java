package io.nexusmesh.runtime.telemetry;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * W3C {@code traceparent} strings for trace context that outlives a request: kept in an execution's
 * record so that a gateway resuming it continues its trace, carried in Kafka headers and in MCP's
 * {@code _meta}. Always W3C, whatever propagators a process is configured with, because the text is
 * stored and read by other processes.
 */
public final class TraceParents {
  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
  private static final TextMapGetter<Map<String, String>> MAP =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
          return carrier.keySet();
        }

        @Override
        public @Nullable String get(@Nullable Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  /** The header (and {@code _meta} key) that carries the context. */
  public static final String HEADER = "traceparent";

  private TraceParents() {}

  /** The {@code traceparent} of {@code context}'s span; empty when it has no valid span. */
  public static String of(Context context) {
    return of(Span.fromContext(context).getSpanContext());
  }

  /**
   * The {@code traceparent} of {@code span} (version 00; its trace state is not kept); empty when
   * it is not valid. Written directly: it is made for every durable execution.
   */
  public static String of(SpanContext span) {
    if (!span.isValid()) {
      return "";
    }
    return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getTraceFlags().asHex();
  }

  /**
   * The context {@code traceparent} names, as a remote parent; the root context when it is empty or
   * malformed (a bad header starts a new trace rather than failing a request).
   */
  public static Context parse(@Nullable String traceparent) {
    if (traceparent == null || traceparent.isEmpty()) {
      return Context.root();
    }
    return W3C.extract(Context.root(), Map.of(HEADER, traceparent), MAP);
  }

  /** The span context {@code traceparent} names; invalid when it is empty or malformed. */
  public static SpanContext spanOf(@Nullable String traceparent) {
    return Span.fromContext(parse(traceparent)).getSpanContext();
  }

  /**
   * The trace the current code runs in: the current OpenTelemetry context if it has a span, else
   * the server span of the Armeria request being served (a gRPC method runs on a thread where only
   * Armeria's context is current).
   */
  public static Context current() {
    return Tracing.currentIn(ServiceRequestContext.currentOrNull());
  }
}
