package io.nexusmesh.client;

import static java.util.Objects.requireNonNull;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.util.function.Supplier;

/**
 * Sends the caller's W3C trace context ({@code traceparent}, {@code tracestate}) with every call,
 * so the mesh's spans join the application's trace. By default that is OpenTelemetry's current
 * context (an application instrumented with the OpenTelemetry SDK or agent needs nothing more); a
 * {@link NexusClient.Builder#traceparent} supplier replaces it (the CLI's {@code TRACEPARENT}).
 */
final class TraceContext implements ClientInterceptor {
  private static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);

  private final Supplier<String> traceparent;

  private TraceContext(Supplier<String> traceparent) {
    this.traceparent = traceparent;
  }

  /** OpenTelemetry's current context, when it has a span. */
  static TraceContext current() {
    return new TraceContext(() -> "");
  }

  /** The {@code traceparent} {@code supplier} gives (empty: none). */
  static TraceContext of(Supplier<String> supplier) {
    return new TraceContext(requireNonNull(supplier, "supplier"));
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        String given = traceparent.get();
        if (given != null && !given.isEmpty()) {
          headers.put(TRACEPARENT, given);
        } else if (Span.current().getSpanContext().isValid()) {
          W3CTraceContextPropagator.getInstance()
              .inject(
                  Context.current(),
                  headers,
                  (carrier, key, value) ->
                      carrier.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value));
        }
        super.start(listener, headers);
      }
    };
  }
}
