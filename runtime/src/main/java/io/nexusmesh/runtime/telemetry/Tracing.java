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
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import org.jspecify.annotations.Nullable;

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
      ctx.log().whenComplete().thenAccept(log -> end(span, log));
      try (Scope ignored = span.makeCurrent()) {
        return delegate.serve(ctx, req);
      }
    };
  }

  /** A client decorator that propagates the current trace to the server it calls. */
  public static DecoratingHttpClientFunction clientDecorator(OpenTelemetry otel) {
    Tracer tracer = otel.getTracer(INSTRUMENTATION);
    TextMapPropagator propagator = otel.getPropagators().getTextMapPropagator();
    return (HttpClient delegate, ClientRequestContext ctx, HttpRequest req) -> {
      Span span =
          tracer
              .spanBuilder(ctx.method() + " " + ctx.path())
              .setParent(parentOf(ctx))
              .setSpanKind(SpanKind.CLIENT)
              .setAttribute("http.request.method", ctx.method().name())
              .setAttribute("url.path", ctx.path())
              .startSpan();
      propagator.inject(
          Context.current().with(span), ctx, (c, k, v) -> c.addAdditionalRequestHeader(k, v));
      ctx.log().whenComplete().thenAccept(log -> end(span, log));
      try (Scope ignored = span.makeCurrent()) {
        return delegate.execute(ctx, req);
      }
    };
  }

  private static Context parentOf(ClientRequestContext ctx) {
    Context current = Context.current();
    if (Span.fromContext(current).getSpanContext().isValid()) {
      return current;
    }
    ServiceRequestContext serving = ctx.root();
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
