package io.nexusmesh.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A closed-loop load generator: {@code concurrency} virtual threads each call as fast as answers
 * come, for a warm-up (JIT, connection pools) that is discarded or for the measured window. A
 * failed call aborts the run: a benchmark of errors measures nothing.
 */
final class LoadGenerator {
  /** One call of the scenario under test. */
  @FunctionalInterface
  interface Call {
    void run() throws Exception;
  }

  private final int concurrency;
  private final Duration warmup;
  private final Duration measure;

  LoadGenerator(int concurrency, Duration warmup, Duration measure) {
    this.concurrency = concurrency;
    this.warmup = warmup;
    this.measure = measure;
  }

  int concurrency() {
    return concurrency;
  }

  /** Runs {@code call} for the warm-up time and discards the results. */
  void warmUp(Call call) throws InterruptedException {
    phase(call, warmup, null);
  }

  /** Runs {@code call} for the measured time (warm it up first). */
  LoadResult measure(String name, Call call) throws InterruptedException {
    List<long[]> perThread = new ArrayList<>();
    long started = System.nanoTime();
    phase(call, measure, perThread);
    double seconds = (System.nanoTime() - started) / 1e9;
    int total = perThread.stream().mapToInt(a -> (int) a[0]).sum();
    long[] all = new long[total];
    int at = 0;
    for (long[] latencies : perThread) {
      int n = (int) latencies[0];
      System.arraycopy(latencies, 1, all, at, n);
      at += n;
    }
    return new LoadResult(name, all, seconds);
  }

  private void phase(Call call, Duration length, List<long[]> sink) throws InterruptedException {
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch done = new CountDownLatch(concurrency);
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      Thread.ofVirtual()
          .start(
              () -> {
                // Slot 0 holds the count; the array grows as needed.
                long[] latencies = new long[(1 << 16) + 1];
                int n = 0;
                try {
                  while (!stop.get()) {
                    long t0 = System.nanoTime();
                    call.run();
                    long took = System.nanoTime() - t0;
                    if (n + 1 >= latencies.length) {
                      latencies = java.util.Arrays.copyOf(latencies, latencies.length * 2);
                    }
                    latencies[++n] = took;
                  }
                } catch (Throwable t) {
                  failures.add(t);
                  stop.set(true);
                } finally {
                  latencies[0] = n;
                  if (sink != null) {
                    synchronized (sink) {
                      sink.add(latencies);
                    }
                  }
                  done.countDown();
                }
              });
    }
    Thread.sleep(length);
    stop.set(true);
    done.await();
    if (!failures.isEmpty()) {
      throw new IllegalStateException("a call failed during the benchmark", failures.get(0));
    }
  }
}
