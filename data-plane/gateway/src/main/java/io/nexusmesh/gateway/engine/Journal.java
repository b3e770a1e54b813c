package io.nexusmesh.gateway.engine;

import com.google.protobuf.Value;
import io.nexusmesh.api.gateway.v1.ExecutionEvent;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where one execution keeps what it has done, so that a run can be resumed: the output of every
 * completed step (by step path), the attempt each step is on, timers' fire times, received signals
 * and the event log. A durable journal lives in Redis; an ephemeral one in memory.
 */
public interface Journal {
  /** The output of the completed step at {@code path}, if it completed. */
  Optional<Value> output(String path);

  /**
   * Records that the step at {@code path} completed with {@code output} (the first write wins) and
   * appends its completion event, in one write.
   */
  void completed(String path, Value output, ExecutionEvent.Builder event);

  /** The attempt the step at {@code path} is on, 0 if it never started. */
  int attempt(String path);

  /**
   * Records that the step at {@code path} starts attempt {@code attempt} and appends its start
   * event, in one write.
   */
  void started(String path, int attempt, ExecutionEvent.Builder event);

  /**
   * When the timer at {@code path} fires, in epoch millis: fixed on first call from {@code now}.
   */
  long timer(String path, long nowMillis, Duration delay);

  /** The payload of signal {@code name}, if it has arrived. */
  Optional<Value> signal(String name);

  /** Appends an event; the journal assigns its offset and execution id. */
  void event(ExecutionEvent.Builder event);

  /**
   * Blocks until something may have changed for this execution (a signal or a cancellation arrived)
   * or {@code timeout} passed.
   */
  void awaitChange(Duration timeout) throws InterruptedException;

  /**
   * Makes everything recorded so far durable before the run acts outside itself (a journal may
   * group its writes until then).
   */
  void flush();

  /**
   * Whether a run on this journal may park a long wait (let go of its thread and memory and be run
   * again when it is due): only a durable top-level execution's.
   */
  boolean parks();

  /** Why the execution was cancelled, or null while it is not. */
  @Nullable String cancelReason();
}
