package io.nexusmesh.runtime.telemetry.otlp;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The last {@code capacity} traces received, newest last: a trace that receives a span moves to the
 * end, and the one untouched the longest is dropped first. Spans are kept as they came (OTLP
 * messages) and read into {@link ReceivedSpan}s only when asked for, so receiving costs little more
 * than parsing. Thread-safe.
 */
public final class RecentTraces {
  /** A trace in a listing: its id, root (or earliest) span, span count, services and timing. */
  public record Summary(
      String traceId,
      String rootName,
      int spans,
      List<String> services,
      long startNanos,
      long endNanos,
      boolean error) {}

  /** A span as received, with the service that sent it. */
  private record Kept(String service, Span span) {}

  private static final int MAX_SPANS_PER_TRACE = 2_000;
  private static final HexFormat HEX = HexFormat.of();

  private final int capacity;
  private final LinkedHashMap<ByteString, List<Kept>> traces;
  private long received;

  public RecentTraces(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
    }
    this.capacity = capacity;
    this.traces = new LinkedHashMap<>(16, 0.75f, true);
  }

  /** Keeps the spans of {@code request}. */
  public void add(ExportTraceServiceRequest request) {
    List<Kept> spans = new ArrayList<>();
    for (ResourceSpans resource : request.getResourceSpansList()) {
      String service = OtlpSpans.serviceOf(resource.getResource());
      for (ScopeSpans scope : resource.getScopeSpansList()) {
        for (Span span : scope.getSpansList()) {
          spans.add(new Kept(service, span));
        }
      }
    }
    synchronized (this) {
      received += spans.size();
      for (Kept kept : spans) {
        List<Kept> trace =
            traces.computeIfAbsent(kept.span().getTraceId(), id -> new ArrayList<>());
        if (trace.size() < MAX_SPANS_PER_TRACE) {
          trace.add(kept);
        }
      }
      while (traces.size() > capacity) {
        traces.pollFirstEntry();
      }
    }
  }

  /** How many spans were received in all (kept or since dropped). */
  public synchronized long spansReceived() {
    return received;
  }

  /** The spans of trace {@code traceId} (lowercase hex), by start time. */
  public Optional<List<ReceivedSpan>> trace(String traceId) {
    ByteString id;
    try {
      id = ByteString.copyFrom(HEX.parseHex(traceId));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    List<Kept> kept;
    synchronized (this) {
      List<Kept> trace = traces.get(id);
      if (trace == null) {
        return Optional.empty();
      }
      kept = List.copyOf(trace);
    }
    return Optional.of(
        kept.stream()
            .map(k -> OtlpSpans.of(k.service(), k.span()))
            .sorted(Comparator.comparingLong(ReceivedSpan::startNanos))
            .toList());
  }

  /** Up to {@code limit} traces, the most recently updated first. */
  public List<Summary> latest(int limit) {
    return latest(limit, span -> true);
  }

  /**
   * Up to {@code limit} traces, the most recently updated first, that have a span whose attribute
   * {@code key} is {@code value} (e.g. {@code nexus.org}: an organisation's traces).
   */
  public List<Summary> latestWith(String key, String value, int limit) {
    return latest(
        limit,
        span ->
            span.getAttributesList().stream()
                .anyMatch(
                    a -> a.getKey().equals(key) && a.getValue().getStringValue().equals(value)));
  }

  private List<Summary> latest(int limit, java.util.function.Predicate<Span> wanted) {
    List<Map.Entry<ByteString, List<Kept>>> newest = new ArrayList<>();
    synchronized (this) {
      for (Map.Entry<ByteString, List<Kept>> e : traces.sequencedEntrySet().reversed()) {
        if (newest.size() == limit) {
          break;
        }
        if (e.getValue().stream().anyMatch(k -> wanted.test(k.span()))) {
          newest.add(Map.entry(e.getKey(), List.copyOf(e.getValue())));
        }
      }
    }
    return newest.stream().map(e -> summary(e.getKey(), e.getValue())).toList();
  }

  private static Summary summary(ByteString traceId, List<Kept> spans) {
    Kept root =
        spans.stream()
            .filter(k -> k.span().getParentSpanId().isEmpty())
            .findFirst()
            .orElseGet(
                () ->
                    spans.stream()
                        .min(Comparator.comparingLong(k -> k.span().getStartTimeUnixNano()))
                        .orElseThrow());
    return new Summary(
        HEX.formatHex(traceId.toByteArray()),
        root.span().getName(),
        spans.size(),
        spans.stream().map(Kept::service).distinct().sorted().toList(),
        spans.stream().mapToLong(k -> k.span().getStartTimeUnixNano()).min().orElse(0),
        spans.stream().mapToLong(k -> k.span().getEndTimeUnixNano()).max().orElse(0),
        spans.stream()
            .anyMatch(k -> k.span().getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR));
  }
}
