package io.nexusmesh.runtime.telemetry;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * A client span per call on a grpc-java channel (the xDS-resolved channels to sidecars), with the
 * trace context sent in the call's metadata. Armeria's clients use {@link Tracing#clientDecorator}
 * instead; this is its grpc-java twin, written here because OpenTelemetry's grpc instrumentation
 * library is not served to our machines.
 */
public final class GrpcClientTracing implements ClientInterceptor {
  private static final String INSTRUMENTATION = "io.nexusmesh.runtime";

  private final Tracer tracer;
  private final TextMapPropagator propagator;

  public GrpcClientTracing(OpenTelemetry otel) {
    this.tracer = otel.getTracer(INSTRUMENTATION);
    this.propagator = otel.getPropagators().getTextMapPropagator();
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    var parent = TraceParents.current();
    Span span =
        tracer
            .spanBuilder(method.getFullMethodName())
            .setParent(parent)
            .setSpanKind(SpanKind.CLIENT)
            .setAttribute("rpc.system", "grpc")
            .setAttribute("rpc.method", method.getFullMethodName())
            .startSpan();
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        propagator.inject(
            parent.with(span),
            headers,
            (carrier, key, value) ->
                carrier.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value));
        super.start(
            new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onClose(Status status, Metadata trailers) {
                span.setAttribute("rpc.grpc.status_code", status.getCode().value());
                if (!status.isOk()) {
                  span.setStatus(StatusCode.ERROR, status.getCode().name());
                }
                span.end();
                super.onClose(status, trailers);
              }
            },
            headers);
      }

      @Override
      public void cancel(String message, Throwable cause) {
        span.setStatus(StatusCode.ERROR, "cancelled");
        super.cancel(message, cause);
      }
    };
  }
}
