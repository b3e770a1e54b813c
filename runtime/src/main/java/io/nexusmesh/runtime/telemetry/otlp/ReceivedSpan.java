package io.nexusmesh.runtime.telemetry.otlp;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * One span as an OTLP exporter sent it, flattened for reading: ids in lowercase hex (the parent
 * empty for a root), attribute values as text.
 *
 * @param service the {@code service.name} of the process that sent it
 * @param kind OTLP's kind without its prefix: SERVER, CLIENT, INTERNAL, PRODUCER, CONSUMER
 * @param links the spans this one links to, as {@code traceId/spanId}
 * @param error whether its status is ERROR
 */
public record ReceivedSpan(
    String traceId,
    String spanId,
    String parentSpanId,
    String name,
    String kind,
    String service,
    long startNanos,
    long endNanos,
    Map<String, String> attributes,
    List<String> links,
    boolean error) {
  public ReceivedSpan {
    requireNonNull(traceId, "traceId");
    requireNonNull(spanId, "spanId");
    requireNonNull(parentSpanId, "parentSpanId");
    requireNonNull(name, "name");
    attributes = Map.copyOf(attributes);
    links = List.copyOf(links);
  }

  /** The attribute {@code key}, or empty. */
  public String attribute(String key) {
    return attributes.getOrDefault(key, "");
  }
}
