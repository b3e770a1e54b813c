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
 * <p>A gateway takes permits from Redis a twentieth of the rate at a time (10 of a key's 200/s) and
 * hands them out from memory for up to a second: one Redis round trip per batch instead of two per
 * call. Every permit still comes from the shared bucket, so the cluster never admits more than the
 * limit; a batch a gateway could not use within its second is lost, so it may admit up to a batch
 * less per gateway. When less than a batch is left, single permits are taken.
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

  private static final long LEASE_NANOS = Duration.ofSeconds(1).toNanos();

  private final RedissonClient redis;
  private final Limits limits;
  private final Map<String, Boolean> configured = new ConcurrentHashMap<>();
  private final Map<String, Lease> leases = new ConcurrentHashMap<>();

  public RateLimits(RedissonClient redis, Limits limits) {
    this.redis = requireNonNull(redis, "redis");
    this.limits = requireNonNull(limits, "limits");
  }

  private static Boolean configure(RRateLimiter limiter, long perSecond) {
    limiter.trySetRate(RateType.OVERALL, perSecond, Duration.ofSeconds(1));
    return Boolean.TRUE;
  }

  /**
   * Whether {@link #acquire} would find the caller's permits in this gateway's memory (no Redis
   * round trip): limits off, or leased permits left for the key and the org.
   */
  public boolean hasLocalPermits(Principal caller) {
    return hasLocal(keyLimiter(caller), limits.perKey())
        && hasLocal(orgLimiter(caller), limits.perOrg());
  }

  /** Takes one permit of the caller's key and org, or throws RESOURCE_EXHAUSTED. */
  public void acquire(Principal caller) {
    take(keyLimiter(caller), limits.perKey(), "this API key");
    take(orgLimiter(caller), limits.perOrg(), "organisation " + caller.org());
  }

  private static String keyLimiter(Principal caller) {
    String subject =
        caller.kind() == PrincipalKind.API_KEY ? caller.subject() : "sub:" + caller.subject();
    return "nx:rl:{" + caller.org() + "}:caller:" + subject;
  }

  private static String orgLimiter(Principal caller) {
    return "nx:rl:{" + caller.org() + "}:org";
  }

  private boolean hasLocal(String name, long perSecond) {
    if (perSecond == 0) {
      return true;
    }
    Lease lease = leases.get(name);
    return lease != null && lease.left(System.nanoTime()) > 0;
  }

  private void take(String name, long perSecond, String who) {
    if (perSecond == 0) {
      return;
    }
    Lease lease = leases.computeIfAbsent(name, n -> new Lease());
    if (lease.take(System.nanoTime())) {
      return;
    }
    long batch = Math.max(1, perSecond / 20);
    if (batch > 1 && fromRedis(name, perSecond, batch)) {
      lease.refill(batch - 1, System.nanoTime());
      return;
    }
    if (!fromRedis(name, perSecond, 1)) {
      refuse(perSecond, who);
    }
  }

  /** Takes {@code permits} at once from the shared bucket, or none. */
  private boolean fromRedis(String name, long perSecond, long permits) {
    RRateLimiter limiter = redis.getRateLimiter(name);
    // computeIfAbsent holds concurrent first callers until the rate is set: none may acquire from
    // a limiter Redis does not know yet.
    configured.computeIfAbsent(name, n -> configure(limiter, perSecond));
    try {
      return limiter.tryAcquire(permits);
    } catch (RedisException e) {
      // Its configuration vanished from Redis (flushed, or another gateway deleted it): set again.
      configure(limiter, perSecond);
      return limiter.tryAcquire(permits);
    }
  }

  private static void refuse(long perSecond, String who) {
    Duration retry = Duration.ofSeconds(1);
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    if (ctx != null) {
      ctx.addAdditionalResponseHeader(
          HttpHeaderNames.RETRY_AFTER, Long.toString(retry.toSeconds()));
    }
    throw NexusException.rateLimited(
        "rate limit of " + who + " (" + perSecond + " executions/s) reached", retry);
  }

  /** Permits taken from Redis and not yet handed out, usable until the lease ends. */
  private static final class Lease {
    private long left;
    private long endsAtNanos;

    synchronized long left(long nowNanos) {
      return nowNanos - endsAtNanos < 0 ? left : 0;
    }

    synchronized boolean take(long nowNanos) {
      if (left > 0 && nowNanos - endsAtNanos < 0) {
        left--;
        return true;
      }
      return false;
    }

    synchronized void refill(long permits, long nowNanos) {
      left = permits;
      endsAtNanos = nowNanos + LEASE_NANOS;
    }
  }
}
