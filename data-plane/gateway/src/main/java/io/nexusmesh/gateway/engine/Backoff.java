package io.nexusmesh.gateway.engine;

import com.google.protobuf.util.Durations;
import io.grpc.Status;
import io.nexusmesh.api.workflow.v1.RetryPolicy;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A node's retry policy with its defaults filled in: how many attempts, which status codes are
 * retried, and the delay before each retry (exponential backoff with full jitter, as in the AWS
 * architecture blog's analysis: a random delay between zero and the capped exponential).
 *
 * @param maxAttempts attempts in all, the first included
 * @param initial the cap of the first delay
 * @param max the cap of every delay
 * @param multiplier growth of the cap between attempts
 * @param retryable the codes that are retried
 */
public record Backoff(
    int maxAttempts,
    Duration initial,
    Duration max,
    double multiplier,
    Set<Status.Code> retryable) {
  private static final Set<Status.Code> TRANSIENT =
      EnumSet.of(
          Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED, Status.Code.RESOURCE_EXHAUSTED);

  /** The policy a node gets: its own, else the spec's default, each field defaulted. */
  public static Backoff of(RetryPolicy own, RetryPolicy specDefault, boolean ownSet) {
    RetryPolicy p = ownSet ? own : specDefault;
    int attempts = p.getMaxAttempts() == 0 ? 3 : p.getMaxAttempts();
    Duration initial =
        p.hasInitialBackoff()
            ? Duration.ofMillis(Durations.toMillis(p.getInitialBackoff()))
            : Duration.ofMillis(200);
    Duration max =
        p.hasMaxBackoff()
            ? Duration.ofMillis(Durations.toMillis(p.getMaxBackoff()))
            : Duration.ofSeconds(30);
    double multiplier = p.getBackoffMultiplier() == 0 ? 2.0 : p.getBackoffMultiplier();
    Set<Status.Code> codes = EnumSet.noneOf(Status.Code.class);
    p.getRetryableCodesList().forEach(c -> codes.add(Status.Code.valueOf(c)));
    return new Backoff(attempts, initial, max, multiplier, codes.isEmpty() ? TRANSIENT : codes);
  }

  /** Whether a failure with {@code code} on attempt {@code attempt} (1-based) is retried. */
  public boolean retries(Status.Code code, int attempt) {
    return attempt < maxAttempts && retryable.contains(code);
  }

  /** The delay before attempt {@code nextAttempt} (2 for the first retry). */
  public Duration delayBefore(int nextAttempt) {
    double cap = initial.toMillis() * Math.pow(multiplier, Math.max(0, nextAttempt - 2));
    long capped = (long) Math.min(cap, max.toMillis());
    return Duration.ofMillis(capped <= 0 ? 0 : ThreadLocalRandom.current().nextLong(capped + 1));
  }
}
