package io.nexusmesh.gateway.durable;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Value;
import io.nexusmesh.api.gateway.v1.ExecutionEvent;
import io.nexusmesh.gateway.engine.Journal;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The journal of a DURABLE execution, in Redis: every step output is written before the next step
 * starts, so whichever gateway resumes the execution finds it. Cancellation and signals are read
 * from Redis too; the owning gateway is woken early by a pub/sub message, and polls once a second
 * in case a message was lost.
 */
final class RedisJournal implements Journal {
  private final ExecutionStore store;
  private final String id;
  private final AtomicLong nextOffset;
  private final Object changed = new Object();
  private final @Nullable Journal parent;
  private volatile @Nullable String cancelReason;

  RedisJournal(ExecutionStore store, String id, @Nullable Journal parent) {
    this.store = requireNonNull(store, "store");
    this.id = requireNonNull(id, "id");
    this.parent = parent;
    this.nextOffset = new AtomicLong(store.eventCount(id));
    this.cancelReason = store.cancelReason(id);
  }

  @Override
  public Optional<Value> output(String path) {
    return store.output(id, path);
  }

  @Override
  public void complete(String path, Value output) {
    store.complete(id, path, output);
  }

  @Override
  public int attempt(String path) {
    return store.attempt(id, path);
  }

  @Override
  public void attempt(String path, int attempt) {
    store.attempt(id, path, attempt);
  }

  @Override
  public long timer(String path, long nowMillis, Duration delay) {
    return store.timer(id, path, nowMillis + delay.toMillis());
  }

  @Override
  public Optional<Value> signal(String name) {
    return store.signal(id, name);
  }

  @Override
  public void event(ExecutionEvent.Builder event) {
    // One owner at a time appends, and parallel branches of that owner serialise here.
    synchronized (nextOffset) {
      store.append(event.setOffset(nextOffset.getAndIncrement()).setExecutionId(id).build());
    }
  }

  @Override
  public void awaitChange(Duration timeout) throws InterruptedException {
    synchronized (changed) {
      changed.wait(Math.max(1, timeout.toMillis()));
    }
    if (cancelReason == null) {
      cancelReason = store.cancelReason(id);
    }
  }

  /** Something may have changed (a signal or a cancel request arrived): wake the run. */
  void wake() {
    synchronized (changed) {
      changed.notifyAll();
    }
  }

  /** Marks the run cancelled without waiting for the next poll. */
  void cancel(String reason) {
    cancelReason = reason;
    wake();
  }

  @Override
  public @Nullable String cancelReason() {
    String own = cancelReason;
    return own != null || parent == null ? own : parent.cancelReason();
  }
}
