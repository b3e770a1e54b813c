package io.nexusmesh.gateway.engine;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.api.workflow.v1.WaitNode;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Time in one run: its deadline, waits (timers and signals, parked when long), back-off sleeps, and
 * the checks that stop a run cancelled or past its deadline — except while it compensates.
 */
final class RunTime {
  private static final Duration MAX_WAIT_SLICE = Duration.ofSeconds(1);

  private final Journal journal;
  private final Clock clock;
  private final Duration parkAfter;
  private final long deadlineMillis;
  // Compensating: cancellation and the deadline no longer stop the run.
  private volatile boolean compensating;

  RunTime(Journal journal, Clock clock, Duration parkAfter, long deadlineMillis) {
    this.journal = journal;
    this.clock = clock;
    this.parkAfter = parkAfter;
    this.deadlineMillis = deadlineMillis;
  }

  long deadlineMillis() {
    return deadlineMillis;
  }

  boolean compensating() {
    return compensating;
  }

  /** From now on the run compensates: nothing stops it but the end of its compensations. */
  void startCompensating() {
    compensating = true;
  }

  /** Waits at a wait node: for its timer or its signal, parking when the wait is long. */
  Value await(WaitNode wait, String path, boolean parkable) throws InterruptedException {
    if (wait.hasTimer()) {
      long fireAt =
          journal.timer(path, now(), Duration.ofMillis(Durations.toMillis(wait.getTimer())));
      if (parkable) {
        parkIfLong(Math.min(fireAt, deadlineMillis), "");
      }
      sleepUntil(fireAt);
      return JsonValues.of(
          Struct.newBuilder()
              .putFields(
                  "firedAt", JsonValues.of(Timestamps.toString(Timestamps.fromMillis(fireAt))))
              .build());
    }
    String name = wait.getSignal().getName();
    long giveUp =
        wait.getSignal().hasTimeout()
            ? journal.timer(
                path, now(), Duration.ofMillis(Durations.toMillis(wait.getSignal().getTimeout())))
            : Long.MAX_VALUE;
    while (true) {
      Optional<Value> payload = journal.signal(name);
      if (payload.isPresent()) {
        return payload.get();
      }
      checkStop();
      long now = now();
      if (now >= giveUp) {
        throw new NodeFailure(
            Status.Code.DEADLINE_EXCEEDED, "signal '" + name + "' did not arrive in time");
      }
      if (parkable) {
        parkIfLong(Math.min(giveUp, deadlineMillis), name);
      }
      journal.awaitChange(slice(Math.min(giveUp, deadlineMillis) - now));
    }
  }

  /**
   * Lets go of the run (see {@link Outcome.Parked}) when it would wait past {@code parkAfter} for
   * {@code wakeAtMillis} or signal {@code signal}.
   */
  private void parkIfLong(long wakeAtMillis, String signal) {
    Duration after = parkAfter;
    if (!after.isNegative() && wakeAtMillis - now() > after.toMillis()) {
      throw new Park(wakeAtMillis, signal);
    }
  }

  /** Sleeps until {@code atMillis}, woken early to see a cancellation. */
  void sleepUntil(long atMillis) throws InterruptedException {
    journal.flush(); // a retry's events (and a timer) are visible while it waits
    while (true) {
      checkStop();
      long now = now();
      if (now >= atMillis) {
        return;
      }
      long until = compensating ? atMillis : Math.min(atMillis, deadlineMillis);
      journal.awaitChange(slice(until - now));
    }
  }

  private static Duration slice(long millis) {
    return Duration.ofMillis(Math.max(1, Math.min(millis, MAX_WAIT_SLICE.toMillis())));
  }

  /**
   * Throws {@link Stopped} when the run is cancelled or past its deadline (not while compensating).
   */
  void checkStop() {
    if (compensating) {
      return;
    }
    String reason = journal.cancelReason();
    if (reason != null) {
      throw new Stopped(
          ExecutionStatus.EXECUTION_STATUS_CANCELLED,
          Status.Code.CANCELLED,
          reason.isEmpty() ? "cancelled" : "cancelled: " + reason);
    }
    if (now() >= deadlineMillis) {
      throw new Stopped(
          ExecutionStatus.EXECUTION_STATUS_TIMED_OUT,
          Status.Code.DEADLINE_EXCEEDED,
          "the execution timeout passed");
    }
  }

  long now() {
    return clock.millis();
  }

  /** Ends a run early: cancelled or past its deadline. */
  static final class Stopped extends RuntimeException {
    final ExecutionStatus status;
    final Status.Code code;

    Stopped(ExecutionStatus status, Status.Code code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  /** Unwinds a run that parks: see {@link Outcome.Parked}. */
  static final class Park extends RuntimeException {
    final long wakeAtMillis;
    final String signal;

    Park(long wakeAtMillis, String signal) {
      super(null, null, false, false);
      this.wakeAtMillis = wakeAtMillis;
      this.signal = signal;
    }
  }
}
