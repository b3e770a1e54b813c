package io.nexusmesh.semantic;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.StreamSupport;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.jspecify.annotations.Nullable;

/**
 * W3C trace context in the semantic bus's record headers ({@code traceparent}, {@code tracestate}):
 * a turn's commands, the calls they cause and their replies stay in the trace of the request that
 * started the turn, across the gateway, the topology and the callers.
 */
public final class TraceHeaders {
  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
  private static final List<String> NAMES = List.of("traceparent", "tracestate");

  private static final TextMapGetter<Headers> GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers carrier) {
          return StreamSupport.stream(carrier.spliterator(), false).map(Header::key).toList();
        }

        @Override
        public @Nullable String get(@Nullable Headers carrier, String key) {
          Header header = carrier == null ? null : carrier.lastHeader(key);
          return header == null || header.value() == null
              ? null
              : new String(header.value(), StandardCharsets.UTF_8);
        }
      };

  private TraceHeaders() {}

  /** Writes {@code context}'s trace into {@code headers} (nothing when it has no span). */
  public static void inject(Context context, Headers headers) {
    if (!Span.fromContext(context).getSpanContext().isValid()) {
      return;
    }
    W3C.inject(
        context,
        headers,
        (carrier, key, value) -> {
          carrier.remove(key);
          carrier.add(key, value.getBytes(StandardCharsets.UTF_8));
        });
  }

  /** The trace {@code headers} carry, as a remote parent; the root context when none. */
  public static Context extract(Headers headers) {
    return W3C.extract(Context.root(), headers, GETTER);
  }

  /** Copies the trace headers of {@code from} to {@code to}. */
  public static void copy(Headers from, Headers to) {
    for (String name : NAMES) {
      Header header = from.lastHeader(name);
      if (header != null) {
        to.add(name, header.value());
      }
    }
  }
}
