package io.nexusmesh.gateway.durable;

import com.google.protobuf.Value;
import io.nexusmesh.api.gateway.v1.ExecutionEvent;
import io.nexusmesh.gateway.engine.Journal;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A journal that also reports each step it records as completed (its path), once it is recorded:
 * how an execution in a session tells the session's subscribers about its progress.
 */
final class StepReportingJournal implements Journal {
  private final Journal journal;
  private final Consumer<String> onCompleted;

  StepReportingJournal(Journal journal, Consumer<String> onCompleted) {
    this.journal = journal;
    this.onCompleted = onCompleted;
  }

  @Override
  public void completed(String path, Value output, ExecutionEvent.Builder event) {
    journal.completed(path, output, event);
    onCompleted.accept(path);
  }

  @Override
  public Optional<Value> output(String path) {
    return journal.output(path);
  }

  @Override
  public int attempt(String path) {
    return journal.attempt(path);
  }

  @Override
  public void started(String path, int attempt, ExecutionEvent.Builder event) {
    journal.started(path, attempt, event);
  }

  @Override
  public long timer(String path, long nowMillis, Duration delay) {
    return journal.timer(path, nowMillis, delay);
  }

  @Override
  public Optional<Value> signal(String name) {
    return journal.signal(name);
  }

  @Override
  public void event(ExecutionEvent.Builder event) {
    journal.event(event);
  }

  @Override
  public void awaitChange(Duration timeout) throws InterruptedException {
    journal.awaitChange(timeout);
  }

  @Override
  public void flush() {
    journal.flush();
  }

  @Override
  public boolean parks() {
    return journal.parks();
  }

  @Override
  public @Nullable String cancelReason() {
    return journal.cancelReason();
  }
}
