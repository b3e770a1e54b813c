package io.nexusmesh.gateway.agent;

import io.nexusmesh.runtime.error.NexusException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.redisson.api.RAtomicLong;
import org.redisson.api.RedissonClient;

/**
 * Each organisation's model tokens per clock hour, counted in Redis ({@code
 * nx:llm-tokens:{org}:<hour>}) from the chain's usage events, so every gateway sees the same count.
 * A turn asked for once the hour's budget is spent is refused (RESOURCE_EXHAUSTED with the time to
 * the next hour as RetryInfo); a turn under way finishes (its model calls are already paid for).
 */
public final class TokenBudget {
  private static final long HOUR = Duration.ofHours(1).toMillis();

  private final RedissonClient redis;
  private final Clock clock;
  private final long perHour;

  /**
   * @param perHour tokens per organisation per hour; 0 for no limit
   */
  public TokenBudget(RedissonClient redis, Clock clock, long perHour) {
    this.redis = redis;
    this.clock = clock;
    this.perHour = perHour;
  }

  private RAtomicLong counter(String org, long hour) {
    return redis.getAtomicLong("nx:llm-tokens:{" + org + "}:" + hour);
  }

  /** Adds what a model call used. */
  public void spend(String org, long tokens) {
    if (tokens <= 0) {
      return;
    }
    long hour = clock.millis() / HOUR;
    RAtomicLong counter = counter(org, hour);
    counter.addAndGetAsync(tokens);
    counter.expireAsync(Duration.ofMillis(2 * HOUR));
  }

  /** Tokens {@code org} used this hour. */
  public long spent(String org) {
    return counter(org, clock.millis() / HOUR).get();
  }

  /** Refuses a new turn of {@code org} when its hour's budget is spent. */
  public void check(String org) {
    if (perHour <= 0) {
      return;
    }
    long now = clock.millis();
    long spent = counter(org, now / HOUR).get();
    if (spent >= perHour) {
      long untilNextHour = HOUR - now % HOUR;
      throw NexusException.rateLimited(
          "the organisation's agents used "
              + spent
              + " of their "
              + perHour
              + " model tokens this hour",
          Duration.ofMillis(TimeUnit.SECONDS.toMillis((untilNextHour + 999) / 1000)));
    }
  }
}
