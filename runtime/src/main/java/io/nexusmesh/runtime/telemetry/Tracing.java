package io.nexusmesh.runtime.telemetry;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.DecoratingHttpClientFunction;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.netty.util.AttributeKey;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * OpenTelemetry tracing for Armeria servers and clients, with W3C trace context read from every
 * incoming request and written on every outgoing one (gRPC, gRPC-Web and HTTP alike).
 *
 * <p>Written here because the OpenTelemetry Armeria instrumentation library is not published to the
 * Maven repository our machines use. The span of a server request is kept in the Armeria request
 * context, so a client call made while serving it (on any thread Armeria propagates the context to)
 * continues the same trace.
 */
public final class Tracing {
  private static final AttributeKey<Span> SERVER_SPAN =
      AttributeKey.valueOf(Tracing.class, "SERVER_SPAN");
  private static final String INSTRUMENTATION = "io.nexusmesh.runtime";

  /** The MDC key of the current request's trace id (32 hex digits). */
  public static final String TRACE_ID = "trace_id";

  /**
   * The span attribute naming the organisation a request or an execution belongs to: set on the
   * server span once the caller is known, and on the engine's run spans.
   */
  public static final String ORG = "nexus.org";

  /** The MDC key of the current request's server span id (16 hex digits). */
  public static final String SPAN_ID = "span_id";

  private static final TextMapGetter<RequestHeaders> HEADERS =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(RequestHeaders carrier) {
          return carrier.names().stream().map(Object::toString).toList();
        }

        @Override
        public @Nullable String get(@Nullable RequestHeaders carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  private Tracing() {}

  /** A server decorator that continues the caller's trace (or starts one) for each request. */
  public static DecoratingHttpServiceFunction serverDecorator(OpenTelemetry otel) {
    Tracer tracer = otel.getTracer(INSTRUMENTATION);
    TextMapPropagator propagator = otel.getPropagators().getTextMapPropagator();
    return (HttpService delegate, ServiceRequestContext ctx, HttpRequest req) -> {
      Context parent = propagator.extract(Context.root(), req.headers(), HEADERS);
      Span span =
          tracer
              .spanBuilder(ctx.method() + " " + ctx.config().route().patternString())
              .setParent(parent)
              .setSpanKind(SpanKind.SERVER)
              .setAttribute("http.request.method", ctx.method().name())
              .setAttribute("url.path", ctx.path())
              .startSpan();
      ctx.setAttr(SERVER_SPAN, span);
      MdcHook traceIds = MdcHook.of(span);
      ctx.hook(traceIds);
      ctx.log().whenComplete().thenAccept(log -> end(span, log));
      // The hook runs on the next push of the context; this thread has it pushed already.
      try (MdcHook.Undo undo = traceIds.get()) {
        return delegate.serve(ctx, req);
      }
    };
  }

  /**
   * Makes a request's server span the current OpenTelemetry context, and puts its {@code trace_id}
   * and {@code span_id} in the logging MDC, wherever the request's context is current: Armeria runs
   * a context's hooks on every thread it pushes the context to (the event loop, the blocking
   * executor, callbacks), so each log line written while serving it, JSON or text, names its trace,
   * and work it starts (a client call, a task handed to an executor wrapped by {@link
   * Context#taskWrapping}) continues it.
   */
  private record MdcHook(Span span, String traceId, String spanId)
      implements Supplier<MdcHook.Undo> {
    /** Puts back what the MDC held before. */
    interface Undo extends AutoCloseable {
      @Override
      void close();
    }

    static MdcHook of(Span span) {
      SpanContext context = span.getSpanContext();
      return new MdcHook(
          span,
          context.isValid() ? context.getTraceId() : "",
          context.isValid() ? context.getSpanId() : "");
    }

    @Override
    public Undo get() {
      if (traceId.isEmpty()) {
        return () -> {};
      }
      String previousTrace = MDC.get(TRACE_ID);
      String previousSpan = MDC.get(SPAN_ID);
      MDC.put(TRACE_ID, traceId);
      MDC.put(SPAN_ID, spanId);
      Scope current = span.makeCurrent();
      return () -> {
        current.close();
        restore(TRACE_ID, previousTrace);
        restore(SPAN_ID, previousSpan);
      };
    }

    private static void restore(String key, @Nullable String previous) {
      if (previous == null) {
        MDC.remove(key);
      } else {
        MDC.put(key, previous);
      }
    }
  }

  /** A client decorator that propagates the current trace to the server it calls. */
  public static DecoratingHttpClientFunction clientDecorator(OpenTelemetry otel) {
    Tracer tracer = otel.getTracer(INSTRUMENTATION);
    TextMapPropagator propagator = otel.getPropagators().getTextMapPropagator();
    return (HttpClient delegate, ClientRequestContext ctx, HttpRequest req) -> {
      Context parent = currentIn(ctx.root());
      Span span =
          tracer
              .spanBuilder(ctx.method() + " " + ctx.path())
              .setParent(parent)
              .setSpanKind(SpanKind.CLIENT)
              .setAttribute("http.request.method", ctx.method().name())
              .setAttribute("url.path", ctx.path())
              .startSpan();
      propagator.inject(parent.with(span), ctx, (c, k, v) -> c.addAdditionalRequestHeader(k, v));
      ctx.log().whenComplete().thenAccept(log -> end(span, log));
      try (Scope ignored = span.makeCurrent()) {
        return delegate.execute(ctx, req);
      }
    };
  }

  /** Sets an attribute on the server span of the request being served, if there is one. */
  public static void setServerAttribute(String key, String value) {
    ServiceRequestContext serving = ServiceRequestContext.currentOrNull();
    Span span = serving == null ? null : serving.attr(SERVER_SPAN);
    if (span != null) {
      span.setAttribute(key, value);
    }
  }

  /**
   * The current OpenTelemetry context if it has a span, else the server span of {@code serving}
   * (the request being served, when this thread runs for it without its span current).
   */
  static Context currentIn(@Nullable ServiceRequestContext serving) {
    Context current = Context.current();
    if (Span.fromContext(current).getSpanContext().isValid()) {
      return current;
    }
    Span serverSpan = serving == null ? null : serving.attr(SERVER_SPAN);
    return serverSpan == null ? current : current.with(serverSpan);
  }

  private static void end(Span span, RequestLog log) {
    int status = log.responseHeaders().status().code();
    span.setAttribute("http.response.status_code", status);
    String grpcStatus = GrpcStatuses.of(log);
    if (grpcStatus != null) {
      span.setAttribute("rpc.grpc.status_code", Integer.parseInt(grpcStatus));
    }
    boolean failed =
        status >= 500
            || log.responseCause() != null
            || (grpcStatus != null && !"0".equals(grpcStatus));
    if (failed) {
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }
}
