package io.nexusmesh.gateway.api;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.Timestamps;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionCompleted;
import io.nexusmesh.api.gateway.v1.ExecutionEvent;
import io.nexusmesh.api.workflow.v1.ExecutionMode;
import io.nexusmesh.gateway.durable.Executions;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.redisson.api.RTopic;

/**
 * Follows one execution's event log for a watcher, on every channel (gRPC stream, gRPC-Web, SSE):
 * replays from an offset, then waits for new events, woken by the execution's pub/sub topic (and
 * checking once a second, so a lost message only delays). Ends after the {@code
 * execution_completed} event. EPHEMERAL executions keep no log: their watchers get only the
 * completion event, once they end.
 */
public final class EventFollower {
  private final Executions executions;

  public EventFollower(Executions executions) {
    this.executions = requireNonNull(executions, "executions");
  }

  /**
   * Streams events of {@code id} (already known to belong to {@code org}) from {@code offset} to
   * {@code sink} on a virtual thread, then calls {@code end}. Stops early when {@code cancelled}
   * turns true.
   */
  public void follow(
      String org,
      String id,
      long offset,
      Consumer<ExecutionEvent> sink,
      Runnable end,
      Supplier<Boolean> cancelled) {
    Thread.ofVirtual()
        .name("watch-" + id)
        .start(
            () -> {
              Semaphore wake = new Semaphore(0);
              RTopic topic = executions.store().changes(id);
              // The topic's codec is StringCodec: a listener typed Long would never hear a message.
              int listener = topic.addListener(String.class, (channel, message) -> wake.release());
              try {
                long next = offset;
                while (!cancelled.get()) {
                  List<ExecutionEvent> events = executions.store().events(id, next);
                  for (ExecutionEvent event : events) {
                    sink.accept(event);
                    next = event.getOffset() + 1;
                    if (event.hasExecutionCompleted()) {
                      return;
                    }
                  }
                  if (events.isEmpty()) {
                    Execution now = executions.get(org, id).orElse(null);
                    if (now == null) {
                      return;
                    }
                    if (Executions.isFinal(now.getStatus())) {
                      // Events written between the read above and this one (the last node's,
                      // the completion) are still to be sent: read once more before ending.
                      if (!executions.store().events(id, next).isEmpty()) {
                        continue;
                      }
                      if (now.getMode() == ExecutionMode.EXECUTION_MODE_EPHEMERAL && offset == 0) {
                        sink.accept(completion(now));
                      }
                      return;
                    }
                    wake.tryAcquire(1, TimeUnit.SECONDS);
                  }
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                topic.removeListener(listener);
                end.run();
              }
            });
  }

  private static ExecutionEvent completion(Execution execution) {
    var completed = ExecutionCompleted.newBuilder().setStatus(execution.getStatus());
    if (execution.hasOutput()) {
      completed.setOutput(execution.getOutput());
    }
    if (execution.hasError()) {
      completed.setError(execution.getError());
    }
    return ExecutionEvent.newBuilder()
        .setExecutionId(execution.getId())
        .setTime(
            execution.hasEndTime()
                ? execution.getEndTime()
                : Timestamps.fromMillis(System.currentTimeMillis()))
        .setExecutionCompleted(completed)
        .build();
  }
}
