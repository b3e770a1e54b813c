package io.nexusmesh.gateway.durable;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores the records of ended EPHEMERAL executions off the callers' path: one writer thread gathers
 * what ends within 5 ms (up to 256 records) and stores it in one pipelined Redis round trip. Under
 * load that is many records per round trip instead of one each, which is most of an ephemeral run's
 * cost. Until a record is stored the gateway answers reads from memory ({@code stored} tells it
 * when to stop); a record not yet stored when the gateway dies is lost, as an ephemeral execution's
 * whole run would be.
 */
final class EphemeralRecords implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EphemeralRecords.class);
  private static final int MAX_BATCH = 256;
  private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final ExecutionStore store;
  private final Duration retention;
  private final Consumer<ExecutionStore.Stored> stored;
  private final LinkedBlockingQueue<ExecutionStore.Stored> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private volatile boolean closed;

  /**
   * @param stored told of each record once it is in Redis, or once storing it failed for good
   */
  EphemeralRecords(
      ExecutionStore store, Duration retention, Consumer<ExecutionStore.Stored> stored) {
    this.store = requireNonNull(store, "store");
    this.retention = requireNonNull(retention, "retention");
    this.stored = requireNonNull(stored, "stored");
    this.writer = Thread.ofPlatform().daemon().name("nexus-ephemeral-records").start(this::drain);
  }

  /** Queues an ended execution's record for storing. */
  void add(ExecutionStore.Stored record) {
    queue.add(requireNonNull(record, "record"));
  }

  private void drain() {
    List<ExecutionStore.Stored> batch = new ArrayList<>(MAX_BATCH);
    while (!closed || !queue.isEmpty()) {
      try {
        ExecutionStore.Stored first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        // Linger a little so that one round trip carries many records even at a low call rate:
        // each write wakes this thread, Redisson's and redis-server, which the callers' next
        // requests would otherwise compete with.
        long until = System.nanoTime() + LINGER_NANOS;
        while (batch.size() < MAX_BATCH && !closed) {
          long left = until - System.nanoTime();
          ExecutionStore.Stored next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
          if (next == null) {
            break;
          }
          batch.add(next);
        }
        queue.drainTo(batch, MAX_BATCH - batch.size());
        write(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } finally {
        batch.clear();
      }
    }
  }

  private void write(List<ExecutionStore.Stored> batch) {
    try {
      store.storeEnded(batch, retention);
    } catch (RuntimeException e) {
      log.warn("could not store {} ephemeral execution record(s)", batch.size(), e);
    }
    batch.forEach(stored);
  }

  /** Stores what is queued, then stops the writer. */
  @Override
  public void close() {
    closed = true;
    try {
      writer.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
