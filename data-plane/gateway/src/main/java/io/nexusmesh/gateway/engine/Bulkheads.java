package io.nexusmesh.gateway.engine;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusmesh.api.common.v1.ErrorReason;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Concurrency limits per downstream (an http node's host, a panel, a model), each with a bounded
 * queue: at most {@code maxConcurrent} calls of a downstream run at once, at most {@code maxQueued}
 * more wait (each at most {@code maxWait}), and any call beyond fails at once with
 * RESOURCE_EXHAUSTED ({@code BULKHEAD_FULL}) and a retry delay, so one slow downstream cannot take
 * every thread and connection of the gateway. Exported as {@code nexus_bulkhead_active} and {@code
 * nexus_bulkhead_queued} per downstream, with {@code nexus_bulkhead_rejected_total}.
 *
 * <p>Written here rather than taken from a library: Armeria's {@code ConcurrencyLimit} guards only
 * Armeria clients, and panel tools (grpc-java over xDS) and models (the LLM manager's client) are
 * not; Resilience4j's semaphore bulkhead bounds the wait but not the queue.
 */
public final class Bulkheads {
  /** Settings shared by every downstream's bulkhead. */
  public record Limits(int maxConcurrent, int maxQueued, Duration maxWait, Duration retryAfter) {
    public Limits {
      if (maxConcurrent < 1 || maxQueued < 0) {
        throw new IllegalArgumentException(
            "bulkhead: maxConcurrent " + maxConcurrent + " (>= 1), maxQueued " + maxQueued);
      }
      requireNonNull(maxWait, "maxWait");
      requireNonNull(retryAfter, "retryAfter");
    }

    /** 64 at once, 256 waiting at most 10 s each, retry after 1 s. */
    public static Limits defaults() {
      return new Limits(64, 256, Duration.ofSeconds(10), Duration.ofSeconds(1));
    }
  }

  /** A call to a downstream. */
  @FunctionalInterface
  public interface Call<T> {
    T run() throws InterruptedException;
  }

  private final Limits limits;
  private final @Nullable MeterRegistry metrics;
  private final Map<String, Bulkhead> bulkheads = new ConcurrentHashMap<>();

  public Bulkheads(Limits limits, @Nullable MeterRegistry metrics) {
    this.limits = requireNonNull(limits, "limits");
    this.metrics = metrics;
  }

  /** No limit worth the name: for tests and tools that build an engine by hand. */
  public static Bulkheads unlimited() {
    return new Bulkheads(
        new Limits(Integer.MAX_VALUE, 0, Duration.ZERO, Duration.ofSeconds(1)), null);
  }

  /**
   * Runs {@code call} within the bulkhead of {@code downstream} ({@code http:<org>/<host>}, ...).
   *
   * @throws NodeFailure RESOURCE_EXHAUSTED when its bulkhead and queue are full, or the wait for a
   *     place passed {@code maxWait}
   */
  public <T> T run(String downstream, Call<T> call) throws InterruptedException {
    Bulkhead bulkhead = bulkheads.computeIfAbsent(downstream, this::create);
    bulkhead.enter(downstream);
    try {
      return call.run();
    } finally {
      bulkhead.permits.release();
    }
  }

  /** {@link #run} for a call that is not interruptible. */
  public <T> T runUninterruptibly(String downstream, Supplier<T> call) {
    try {
      return run(downstream, call::get);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NodeFailure(Status.Code.CANCELLED, "interrupted waiting for " + downstream);
    }
  }

  private Bulkhead create(String downstream) {
    Bulkhead bulkhead = new Bulkhead(new Semaphore(limits.maxConcurrent(), true));
    if (metrics != null) {
      Gauge.builder("nexus.bulkhead.active", bulkhead, b -> b.active())
          .tag("downstream", downstream)
          .description("calls running within the downstream's bulkhead")
          .register(metrics);
      Gauge.builder("nexus.bulkhead.queued", bulkhead.queued, AtomicInteger::get)
          .tag("downstream", downstream)
          .description("calls waiting for a place in the downstream's bulkhead")
          .register(metrics);
    }
    return bulkhead;
  }

  private final class Bulkhead {
    final Semaphore permits;
    final AtomicInteger queued = new AtomicInteger();

    Bulkhead(Semaphore permits) {
      this.permits = permits;
    }

    int active() {
      return limits.maxConcurrent() == Integer.MAX_VALUE
          ? 0
          : limits.maxConcurrent() - permits.availablePermits();
    }

    void enter(String downstream) throws InterruptedException {
      if (permits.tryAcquire()) {
        return;
      }
      if (queued.incrementAndGet() > limits.maxQueued()) {
        queued.decrementAndGet();
        throw full(downstream, "its " + limits.maxConcurrent() + " places and queue are taken");
      }
      try {
        if (!permits.tryAcquire(limits.maxWait().toMillis(), TimeUnit.MILLISECONDS)) {
          throw full(downstream, "no place came free in " + limits.maxWait().toMillis() + " ms");
        }
      } finally {
        queued.decrementAndGet();
      }
    }

    private NodeFailure full(String downstream, String why) {
      if (metrics != null) {
        metrics.counter("nexus.bulkhead.rejected", "downstream", downstream).increment();
      }
      return new NodeFailure(
              Status.Code.RESOURCE_EXHAUSTED,
              ErrorReason.ERROR_REASON_BULKHEAD_FULL,
              Map.of("downstream", downstream),
              "the bulkhead of " + downstream + " is full: " + why)
          .withRetryDelay(limits.retryAfter());
    }
  }
}
