package io.nexusmesh.gateway.durable;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionEvent;
import io.nexusmesh.gateway.engine.Journal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The journal of a DURABLE execution, in Redis. Only the lease holder writes a journal, so the
 * owner reads it once (when it starts or resumes the run) and keeps a copy.
 *
 * <p>Writes are grouped: what the run records (step starts and outputs, timers, events) waits in
 * memory until the run is about to act outside itself — a step calling out (http, tool, llm, a
 * sub-workflow), a wait, a retry's back-off, the end — and then goes in one pipelined round trip
 * before it acts. So whatever a step does to the world happens only after every earlier step's
 * output is durable (a resumed run never repeats an earlier effect after a later one), while a
 * chain of transforms costs no round trip of its own: lost in a crash, they are recomputed from the
 * same inputs. Cancellation and signals are read from Redis; the owning gateway is woken early by a
 * pub/sub message, and polls once a second in case one was lost.
 */
final class RedisJournal implements Journal {
  private final ExecutionStore store;
  private final String id;
  private final @Nullable Journal parent;
  private final Map<String, byte[]> entries;
  private final PendingWrites pending = new PendingWrites();
  private long nextOffset;
  private final Object changed = new Object();
  private volatile @Nullable String cancelReason;

  /** The journal of an execution being resumed: read back from Redis in one round trip. */
  RedisJournal(ExecutionStore store, String id, @Nullable Journal parent) {
    this(store, id, parent, store.resume(id));
  }

  private RedisJournal(
      ExecutionStore store, String id, @Nullable Journal parent, ExecutionStore.Resumed state) {
    this.store = requireNonNull(store, "store");
    this.id = requireNonNull(id, "id");
    this.parent = parent;
    this.entries = new ConcurrentHashMap<>(state.journal());
    this.nextOffset = state.eventCount();
    this.cancelReason = state.cancelReason();
  }

  /** A journal of an execution that was just created: nothing to read back. */
  static RedisJournal fresh(ExecutionStore store, String id) {
    return new RedisJournal(store, id, null, new ExecutionStore.Resumed(Map.of(), 0, null));
  }

  String id() {
    return id;
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
    // Refused above the limit before anything is kept; above the threshold Redis holds a reference.
    byte[] stored = store.payloads().offload(id + "/out/" + path, bytes, "the output of " + path);
    if (entries.putIfAbsent("out:" + path, bytes) == null) {
      record("out:" + path, stored, true, event);
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
    record("att:" + path, bytes, false, event);
  }

  @Override
  public long timer(String path, long nowMillis, Duration delay) {
    byte[] fixed = Long.toString(nowMillis + delay.toMillis()).getBytes(UTF_8);
    byte[] known = entries.putIfAbsent("tmr:" + path, fixed);
    if (known == null) {
      record("tmr:" + path, fixed, true, null);
      known = fixed;
    }
    return Long.parseLong(new String(known, UTF_8));
  }

  @Override
  public Optional<Value> signal(String name) {
    return store.signal(id, name);
  }

  @Override
  public void event(ExecutionEvent.Builder event) {
    record(null, null, false, event);
  }

  // One owner at a time records; parallel branches of that owner serialise here.
  private synchronized void record(
      @Nullable String field,
      byte @Nullable [] value,
      boolean onlyIfAbsent,
      ExecutionEvent.@Nullable Builder event) {
    if (field != null && value != null) {
      pending.put(field, value, onlyIfAbsent);
    }
    if (event != null) {
      long offset = nextOffset++;
      byte[] bytes = event.setOffset(offset).setExecutionId(id).build().toByteArray();
      pending.event(
          store.payloads().offload(id + "/event/" + offset, bytes, "event " + offset), offset);
    }
  }

  @Override
  public synchronized void flush() {
    if (!pending.isEmpty()) {
      store.flush(id, pending);
      pending.clear();
    }
  }

  /**
   * Ends the execution: appends {@code completion}, then stores {@code execution} with what is
   * still pending, in one atomic write.
   */
  synchronized void finish(
      Execution execution, ExecutionEvent.Builder completion, Duration retention) {
    record(null, null, false, completion);
    store.finish(execution, retention, pending);
    pending.clear();
  }

  /**
   * Parks the run (see {@link ParkingLot#park}) with what is still pending, in one round trip.
   * {@code GO_ON} when it must not park: the signal it waits for, or a cancellation, arrived
   * meanwhile.
   */
  synchronized ParkingLot.Parked park(
      ParkingLot lot, String owner, long wakeAtMillis, String signal) {
    ParkingLot.Parked parked = lot.park(id, owner, wakeAtMillis, signal, pending);
    pending.clear();
    return parked;
  }

  @Override
  public boolean parks() {
    return parent == null;
  }

  @Override
  public void awaitChange(Duration timeout) throws InterruptedException {
    flush();
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
