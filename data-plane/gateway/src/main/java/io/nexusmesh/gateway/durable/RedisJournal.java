package io.nexusmesh.gateway.durable;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import io.nexusmesh.api.gateway.v1.ExecutionEvent;
import io.nexusmesh.gateway.engine.Journal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The journal of a DURABLE execution, in Redis: every step output is written before the next step
 * starts, so whichever gateway resumes the execution finds it. Only the lease holder writes a
 * journal, so the owner reads it once (when it starts or resumes the run) and keeps a copy: a step
 * costs two round trips to Redis, one when it starts and one when it completes, each writing the
 * journal entry and its event together. Cancellation and signals are read from Redis; the owning
 * gateway is woken early by a pub/sub message, and polls once a second in case one was lost.
 */
final class RedisJournal implements Journal {
  private final ExecutionStore store;
  private final String id;
  private final @Nullable Journal parent;
  private final Map<String, byte[]> entries;
  private long nextOffset;
  private final Object changed = new Object();
  private volatile @Nullable String cancelReason;

  RedisJournal(ExecutionStore store, String id, @Nullable Journal parent) {
    this.store = requireNonNull(store, "store");
    this.id = requireNonNull(id, "id");
    this.parent = parent;
    this.entries = new ConcurrentHashMap<>(store.journalSnapshot(id));
    this.nextOffset = store.eventCount(id);
    this.cancelReason = store.cancelReason(id);
  }

  /** A journal of an execution that was just created: nothing to read back. */
  static RedisJournal fresh(ExecutionStore store, String id) {
    return new RedisJournal(store, id, null, true);
  }

  private RedisJournal(ExecutionStore store, String id, @Nullable Journal parent, boolean fresh) {
    this.store = store;
    this.id = id;
    this.parent = parent;
    this.entries = new ConcurrentHashMap<>();
    this.nextOffset = 0;
    this.cancelReason = null;
  }

  @Override
  public Optional<Value> output(String path) {
    byte[] bytes = entries.get("out:" + path);
    if (bytes == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Value.parseFrom(bytes));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("journal of " + id + " is not readable", e);
    }
  }

  @Override
  public void completed(String path, Value output, ExecutionEvent.Builder event) {
    byte[] bytes = output.toByteArray();
    if (entries.putIfAbsent("out:" + path, bytes) == null) {
      write("out:" + path, bytes, true, event);
    }
  }

  @Override
  public int attempt(String path) {
    byte[] bytes = entries.get("att:" + path);
    return bytes == null ? 0 : Integer.parseInt(new String(bytes, UTF_8));
  }

  @Override
  public void started(String path, int attempt, ExecutionEvent.Builder event) {
    byte[] bytes = Integer.toString(attempt).getBytes(UTF_8);
    entries.put("att:" + path, bytes);
    write("att:" + path, bytes, false, event);
  }

  @Override
  public long timer(String path, long nowMillis, Duration delay) {
    byte[] known = entries.get("tmr:" + path);
    if (known == null) {
      known = Long.toString(store.timer(id, path, nowMillis + delay.toMillis())).getBytes(UTF_8);
      entries.put("tmr:" + path, known);
    }
    return Long.parseLong(new String(known, UTF_8));
  }

  @Override
  public Optional<Value> signal(String name) {
    return store.signal(id, name);
  }

  @Override
  public synchronized void event(ExecutionEvent.Builder event) {
    // One owner at a time appends; parallel branches of that owner serialise here.
    store.append(event.setOffset(nextOffset++).setExecutionId(id).build());
  }

  private synchronized void write(
      String field, byte[] value, boolean onlyIfAbsent, ExecutionEvent.Builder event) {
    store.write(
        id, field, value, onlyIfAbsent, event.setOffset(nextOffset++).setExecutionId(id).build());
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
