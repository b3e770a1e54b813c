package io.nexusmesh.runtime.telemetry.otlp;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The last {@code capacity} traces received, newest last: a trace that receives a span moves to the
 * end, and the one untouched the longest is dropped first. Thread-safe.
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

  private static final int MAX_SPANS_PER_TRACE = 2_000;

  private final int capacity;
  private final LinkedHashMap<String, List<ReceivedSpan>> traces;

  public RecentTraces(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
    }
    this.capacity = capacity;
    this.traces = new LinkedHashMap<>(16, 0.75f, true);
  }

  /** Keeps {@code spans}. */
  public synchronized void add(List<ReceivedSpan> spans) {
    for (ReceivedSpan span : spans) {
      List<ReceivedSpan> trace = traces.computeIfAbsent(span.traceId(), id -> new ArrayList<>());
      if (trace.size() < MAX_SPANS_PER_TRACE) {
        trace.add(span);
      }
    }
    while (traces.size() > capacity) {
      traces.pollFirstEntry();
    }
    notifyAll();
  }

  /** The spans of trace {@code traceId} (lowercase hex), by start time. */
  public synchronized Optional<List<ReceivedSpan>> trace(String traceId) {
    List<ReceivedSpan> trace = traces.get(traceId);
    if (trace == null) {
      return Optional.empty();
    }
    return Optional.of(
        trace.stream().sorted(Comparator.comparingLong(ReceivedSpan::startNanos)).toList());
  }

  /** Up to {@code limit} traces, the most recently updated first. */
  public synchronized List<Summary> latest(int limit) {
    List<Summary> out = new ArrayList<>();
    for (Map.Entry<String, List<ReceivedSpan>> e : traces.reversed().entrySet()) {
      if (out.size() == limit) {
        break;
      }
      out.add(summary(e.getKey(), e.getValue()));
    }
    return out;
  }

  private static Summary summary(String traceId, List<ReceivedSpan> spans) {
    ReceivedSpan root =
        spans.stream()
            .filter(s -> s.parentSpanId().isEmpty())
            .findFirst()
            .orElseGet(
                () ->
                    spans.stream()
                        .min(Comparator.comparingLong(ReceivedSpan::startNanos))
                        .orElseThrow());
    return new Summary(
        traceId,
        root.name(),
        spans.size(),
        spans.stream().map(ReceivedSpan::service).distinct().sorted().toList(),
        spans.stream().mapToLong(ReceivedSpan::startNanos).min().orElse(0),
        spans.stream().mapToLong(ReceivedSpan::endNanos).max().orElse(0),
        spans.stream().anyMatch(ReceivedSpan::error));
  }
}
