package io.nexusmesh.gateway.api;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import io.nexusmesh.runtime.error.NexusException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisException;

/**
 * Cluster-wide rate limits on starting executions, one token bucket per API key and one per
 * organisation, shared by every gateway through Redisson's {@link RRateLimiter}. A refused call
 * gets RESOURCE_EXHAUSTED with a {@code RetryInfo}, and REST callers HTTP 429 with {@code
 * Retry-After}.
 *
 * @see <a href="https://redisson.org/docs/data-and-services/objects/#ratelimiter">Redisson
 *     RateLimiter</a>
 */
public final class RateLimits {
  /**
   * The limits, in executions per second; 0 turns one off.
   *
   * @param perKey per API key (or per token subject)
   * @param perOrg per organisation, over all its callers
   */
  public record Limits(long perKey, long perOrg) {
    public Limits {
      if (perKey < 0 || perOrg < 0) {
        throw new IllegalArgumentException(
            "limits: " + perKey + "/" + perOrg + " (expected: >= 0)");
      }
    }
  }

  private final RedissonClient redis;
  private final Limits limits;
  private final Map<String, Boolean> configured = new ConcurrentHashMap<>();

  public RateLimits(RedissonClient redis, Limits limits) {
    this.redis = requireNonNull(redis, "redis");
    this.limits = requireNonNull(limits, "limits");
  }

  private static Boolean configure(RRateLimiter limiter, long perSecond) {
    limiter.trySetRate(RateType.OVERALL, perSecond, Duration.ofSeconds(1));
    return Boolean.TRUE;
  }

  /** Whether any limit is set (taking a permit then costs Redis round trips). */
  public boolean enabled() {
    return limits.perKey() > 0 || limits.perOrg() > 0;
  }

  /** Takes one permit of the caller's key and org, or throws RESOURCE_EXHAUSTED. */
  public void acquire(Principal caller) {
    String subject =
        caller.kind() == PrincipalKind.API_KEY ? caller.subject() : "sub:" + caller.subject();
    take("nx:rl:{" + caller.org() + "}:caller:" + subject, limits.perKey(), "this API key");
    take("nx:rl:{" + caller.org() + "}:org", limits.perOrg(), "organisation " + caller.org());
  }

  private void take(String name, long perSecond, String who) {
    if (perSecond == 0) {
      return;
    }
    RRateLimiter limiter = redis.getRateLimiter(name);
    // computeIfAbsent holds concurrent first callers until the rate is set: none may acquire from
    // a limiter Redis does not know yet.
    configured.computeIfAbsent(name, n -> configure(limiter, perSecond));
    boolean acquired;
    try {
      acquired = limiter.tryAcquire();
    } catch (RedisException e) {
      // Its configuration vanished from Redis (flushed, or another gateway deleted it): set again.
      configure(limiter, perSecond);
      acquired = limiter.tryAcquire();
    }
    if (!acquired) {
      Duration retry = Duration.ofSeconds(1);
      ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
      if (ctx != null) {
        ctx.addAdditionalResponseHeader(
            HttpHeaderNames.RETRY_AFTER, Long.toString(retry.toSeconds()));
      }
      throw NexusException.rateLimited(
          "rate limit of " + who + " (" + perSecond + " executions/s) reached", retry);
    }
  }
}
