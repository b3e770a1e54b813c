package io.nexusmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexusmesh.gateway.api.RateLimits;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * Gateways take rate-limit permits from the shared Redis bucket in batches and hand them out from
 * memory: one Redis round trip per batch, and still never more than the limit across gateways.
 */
@ExtendWith(RedisExtension.class)
class RateLimitLeasesTest {
  private RedissonClient redis;

  @BeforeEach
  void connect(RedisEndpoint endpoint) {
    Config config = new Config();
    config.useSingleServer().setAddress(endpoint.uri());
    redis = Redisson.create(config);
  }

  @AfterEach
  void disconnect() {
    redis.shutdown();
  }

  private static Principal newKey() {
    return new Principal(
        "apikey:k1", GatewayHarness.newOrg(), Set.of(), Set.of(), PrincipalKind.API_KEY, Set.of());
  }

  @Test
  void permitsComeFromRedisATwentiethOfTheRateAtATime() {
    var limits = new RateLimits(redis, new RateLimits.Limits(200, 0));
    Principal caller = newKey();
    var bucket = redis.getRateLimiter("nx:rl:{" + caller.org() + "}:caller:apikey:k1");
    assertThat(limits.hasLocalPermits(caller)).isFalse();

    limits.acquire(caller);
    assertThat(bucket.availablePermits()).isEqualTo(190);
    assertThat(limits.hasLocalPermits(caller)).isTrue();
    for (int i = 0; i < 9; i++) {
      limits.acquire(caller); // from memory
    }
    assertThat(bucket.availablePermits()).isEqualTo(190);
    assertThat(limits.hasLocalPermits(caller)).isFalse();

    limits.acquire(caller);
    assertThat(bucket.availablePermits()).isEqualTo(180);
  }

  @Test
  void gatewaysSharingABucketNeverAdmitMoreThanTheLimit() {
    long limit = 1000;
    Principal caller = newKey();
    List<RateLimits> gateways =
        List.of(
            new RateLimits(redis, new RateLimits.Limits(limit, 0)),
            new RateLimits(redis, new RateLimits.Limits(limit, 0)));
    long started = System.nanoTime();
    int admitted = 0;
    boolean[] refused = new boolean[2];
    for (int i = 0; !(refused[0] && refused[1]); i++) {
      int g = i % 2;
      try {
        gateways.get(g).acquire(caller);
        admitted++;
        refused[g] = false;
      } catch (NexusException e) {
        refused[g] = true;
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    // Permits come back as the 1 s window slides; a batch (50) per gateway may go unused.
    assertThat(admitted).isLessThanOrEqualTo((int) (limit * (1 + seconds)));
    assertThat(admitted).isGreaterThanOrEqualTo((int) limit - 2 * 50);
  }
}
