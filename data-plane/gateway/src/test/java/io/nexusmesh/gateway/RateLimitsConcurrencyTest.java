package io.nexusmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexusmesh.gateway.api.RateLimits;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisson.Redisson;
import org.redisson.config.Config;

/**
 * The first calls of a new key arrive together: none may reach a limiter before its rate is set in
 * Redis (that was an INTERNAL error to callers), and the budget still holds.
 */
@ExtendWith(RedisExtension.class)
class RateLimitsConcurrencyTest {
  @Test
  void concurrentFirstCallsOfANewKeyAreLimitedNotFailed(RedisEndpoint redis) throws Exception {
    Config config = new Config();
    config.useSingleServer().setAddress(redis.uri());
    var client = Redisson.create(config);
    try (var pool = Executors.newFixedThreadPool(16)) {
      for (int round = 0; round < 10; round++) {
        var limits = new RateLimits(client, new RateLimits.Limits(10, 0));
        Principal caller =
            new Principal(
                "apikey:k" + round,
                GatewayHarness.newOrg(),
                Set.of(),
                Set.of(),
                PrincipalKind.API_KEY,
                Set.of());
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> calls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          calls.add(
              pool.submit(
                  () -> {
                    go.await();
                    try {
                      limits.acquire(caller);
                      return true;
                    } catch (NexusException e) {
                      return false; // over the limit: RESOURCE_EXHAUSTED, as it should be
                    }
                  }));
        }
        go.countDown();
        int allowed = 0;
        for (Future<Boolean> call : calls) {
          allowed += call.get() ? 1 : 0; // a RedisException would surface here
        }
        assertThat(allowed).isEqualTo(10);
      }
    } finally {
      client.shutdown();
    }
  }
}
