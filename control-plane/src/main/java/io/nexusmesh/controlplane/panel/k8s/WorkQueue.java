package io.nexusmesh.controlplane.panel.k8s;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A controller's work queue, as client-go's: a key waits at most once however often it is added,
 * one worker handles keys one at a time (never the same key twice at once), and a key whose
 * handling failed comes back after a backoff doubling from 1 s to 60 s, reset by a success. Written
 * here because Fabric8 has informers but no work queue; Java Operator SDK has one but would bring
 * its own reconciler model and custom resources the panel manager does not have.
 *
 * @param <K> the keys
 */
final class WorkQueue<K> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WorkQueue.class);
  private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

  private final String name;
  private final Consumer<K> handler;
  private final LinkedBlockingQueue<K> waiting = new LinkedBlockingQueue<>();
  private final Set<K> queued = ConcurrentHashMap.newKeySet();
  private final Map<K, Duration> backoffs = new ConcurrentHashMap<>();
  private final AtomicBoolean working = new AtomicBoolean();
  private final ScheduledExecutorService timer;
  private volatile Thread worker;
  private volatile boolean closed;

  WorkQueue(String name, Consumer<K> handler) {
    this.name = requireNonNull(name, "name");
    this.handler = requireNonNull(handler, "handler");
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name(name + "-timer").factory());
  }

  /** Queues {@code key} unless it waits already. */
  void add(K key) {
    if (queued.add(key)) {
      waiting.add(key);
    }
  }

  /** Starts the worker. */
  void start() {
    worker = Thread.ofVirtual().name(name).start(this::work);
  }

  /** Runs {@code task} every {@code period} (a resync). */
  void every(Duration period, Runnable task) {
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            task.run();
          } catch (RuntimeException e) {
            log.warn("{}: periodic task failed", name, e);
          }
        },
        period.toMillis(),
        period.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Whether no key waits, none is being handled and none is backing off. */
  boolean quiet() {
    return queued.isEmpty() && !working.get() && backoffs.isEmpty();
  }

  private void work() {
    while (!Thread.currentThread().isInterrupted()) {
      K key;
      try {
        key = waiting.take();
      } catch (InterruptedException e) {
        return;
      }
      working.set(true);
      queued.remove(key);
      try {
        handler.accept(key);
        backoffs.remove(key);
      } catch (RuntimeException e) {
        if (closed) {
          return;
        }
        Duration backoff = backoffs.merge(key, FIRST_BACKOFF, WorkQueue::doubled);
        log.warn("{}: {} failed; trying again in {}: {}", name, key, backoff, e.getMessage());
        timer.schedule(() -> add(key), backoff.toMillis(), TimeUnit.MILLISECONDS);
      } finally {
        working.set(false);
      }
    }
  }

  private static Duration doubled(Duration held, Duration first) {
    Duration next = held.multipliedBy(2);
    return next.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : next;
  }

  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
    Thread running = worker;
    if (running != null) {
      running.interrupt();
    }
  }
}
