package io.nexusmesh.runtime.canary;

import java.util.Arrays;
import java.util.List;

/**
 * The fixed-bucket histogram of execution durations that gateways report with their usage ({@code
 * UsageRecord.duration_buckets}) and the control plane merges per workflow version to show a
 * canary's latency. Fixed bounds keep reports from different gateways addable without sending raw
 * samples; a percentile is read as the upper bound of the bucket it falls in, which is what a
 * Prometheus {@code histogram_quantile} over the same buckets would say at its coarsest.
 */
public final class DurationHistogram {
  /** Upper bounds of the buckets, in milliseconds; a last bucket counts everything longer. */
  private static final long[] BOUNDS_MILLIS = {
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000
  };

  /** How many counts a histogram holds: one per bound and one for longer durations. */
  public static final int BUCKETS = BOUNDS_MILLIS.length + 1;

  private final long[] counts;

  private DurationHistogram(long[] counts) {
    this.counts = counts;
  }

  /** An empty histogram. */
  public static DurationHistogram empty() {
    return new DurationHistogram(new long[BUCKETS]);
  }

  /**
   * The histogram of {@code counts} as reported (shorter lists are padded with zeros).
   *
   * @throws IllegalArgumentException if there are more than {@link #BUCKETS} counts or one is
   *     negative
   */
  public static DurationHistogram of(List<Long> counts) {
    if (counts.size() > BUCKETS) {
      throw new IllegalArgumentException(
          "counts: " + counts.size() + " (expected: <= " + BUCKETS + ")");
    }
    long[] copy = new long[BUCKETS];
    for (int i = 0; i < counts.size(); i++) {
      if (counts.get(i) < 0) {
        throw new IllegalArgumentException("counts[" + i + "]: " + counts.get(i));
      }
      copy[i] = counts.get(i);
    }
    return new DurationHistogram(copy);
  }

  /** Counts one duration. */
  public void record(long millis) {
    int i = 0;
    while (i < BOUNDS_MILLIS.length && millis > BOUNDS_MILLIS[i]) {
      i++;
    }
    counts[i]++;
  }

  /** Adds {@code other}'s counts to this one's. */
  public void add(DurationHistogram other) {
    for (int i = 0; i < BUCKETS; i++) {
      counts[i] += other.counts[i];
    }
  }

  /** How many durations were counted. */
  public long total() {
    return Arrays.stream(counts).sum();
  }

  /**
   * The upper bound, in milliseconds, of the bucket holding the {@code q} quantile (0 < q <= 1); 0
   * when nothing was counted, and twice the last bound for durations beyond it.
   */
  public long quantileMillis(double q) {
    if (!(q > 0 && q <= 1)) {
      throw new IllegalArgumentException("q: " + q + " (expected: 0 < q <= 1)");
    }
    long total = total();
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return i < BOUNDS_MILLIS.length
            ? BOUNDS_MILLIS[i]
            : 2 * BOUNDS_MILLIS[BOUNDS_MILLIS.length - 1];
      }
    }
    throw new IllegalStateException("unreachable: rank " + rank + " of " + total);
  }

  /** The counts, in bucket order, as reported. */
  public List<Long> counts() {
    return Arrays.stream(counts).boxed().toList();
  }

  /** The counts comma-separated (how the control plane stores them). */
  public String encode() {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < BUCKETS; i++) {
      out.append(i == 0 ? "" : ",").append(counts[i]);
    }
    return out.toString();
  }

  /** The histogram of {@link #encode()}'s text (empty text: an empty histogram). */
  public static DurationHistogram decode(String text) {
    if (text.isEmpty()) {
      return empty();
    }
    return of(Arrays.stream(text.split(",")).map(Long::parseLong).toList());
  }
}
