package io.nexusmesh.bench;

import java.util.Arrays;

/**
 * What one scenario measured: every call's latency (nanoseconds) over a measured window.
 *
 * @param name the scenario
 * @param latenciesNanos each call's latency, in any order
 * @param seconds the length of the measured window
 */
record LoadResult(String name, long[] latenciesNanos, double seconds) {
  /** This result and {@code other}'s (the same calls, measured again) as one. */
  LoadResult pooled(LoadResult other) {
    long[] both =
        java.util.Arrays.copyOf(
            latenciesNanos, latenciesNanos.length + other.latenciesNanos.length);
    System.arraycopy(
        other.latenciesNanos, 0, both, latenciesNanos.length, other.latenciesNanos.length);
    return new LoadResult(name, both, seconds + other.seconds);
  }

  double throughput() {
    return latenciesNanos.length / seconds;
  }

  double percentileMillis(double p) {
    long[] sorted = latenciesNanos.clone();
    Arrays.sort(sorted);
    int index = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
    return sorted[index] / 1e6;
  }
}
