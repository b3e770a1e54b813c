package io.nexusmesh.gateway.engine;

import com.google.protobuf.Value;
import io.nexusmesh.api.gateway.v1.ExecutionEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The journal of an EPHEMERAL execution: kept in this gateway's memory only, so nothing is written
 * to Redis while it runs and a crash loses it. Signals and cancellation still reach it on this
 * gateway.
 */
public final class InMemoryJournal implements Journal {
  private final String executionId;
  private final Map<String, Value> outputs = new ConcurrentHashMap<>();
  private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
  private final Map<String, Long> timers = new ConcurrentHashMap<>();
  private final Map<String, Value> signals = new ConcurrentHashMap<>();
  private final List<ExecutionEvent> events = new ArrayList<>();
  private final Object changed = new Object();
  private volatile @Nullable String cancelReason;

  public InMemoryJournal(String executionId) {
    this.executionId = executionId;
  }

  @Override
  public Optional<Value> output(String path) {
    return Optional.ofNullable(outputs.get(path));
  }

  @Override
  public void completed(String path, Value output, ExecutionEvent.Builder event) {
    outputs.putIfAbsent(path, output);
    event(event);
  }

  @Override
  public int attempt(String path) {
    return attempts.getOrDefault(path, 0);
  }

  @Override
  public void started(String path, int attempt, ExecutionEvent.Builder event) {
    attempts.put(path, attempt);
    event(event);
  }

  @Override
  public long timer(String path, long nowMillis, Duration delay) {
    return timers.computeIfAbsent(path, p -> nowMillis + delay.toMillis());
  }

  @Override
  public Optional<Value> signal(String name) {
    return Optional.ofNullable(signals.get(name));
  }

  /** Delivers a signal; the first payload of a name wins. */
  public void deliver(String name, Value payload) {
    signals.putIfAbsent(name, payload);
    wake();
  }

  /** Asks the run to stop. */
  public void cancel(String reason) {
    cancelReason = reason;
    wake();
  }

  @Override
  public synchronized void event(ExecutionEvent.Builder event) {
    events.add(event.setOffset(events.size()).setExecutionId(executionId).build());
  }

  /** The events so far, from {@code offset}. */
  public synchronized List<ExecutionEvent> events(long offset) {
    return List.copyOf(events.subList((int) Math.min(offset, events.size()), events.size()));
  }

  @Override
  public void awaitChange(Duration timeout) throws InterruptedException {
    synchronized (changed) {
      changed.wait(Math.max(1, timeout.toMillis()));
    }
  }

  private void wake() {
    synchronized (changed) {
      changed.notifyAll();
    }
  }

  @Override
  public void flush() {
    // Nothing to make durable: an ephemeral run lives in memory only.
  }

  @Override
  public boolean parks() {
    return false;
  }

  @Override
  public @Nullable String cancelReason() {
    return cancelReason;
  }
}
