package io.nexusmesh.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/** A Redisson round trip against the fixture's real redis-server. */
@ExtendWith(RedisExtension.class)
class RedisExtensionTest {
  @Test
  void redissonRoundTrip(RedisEndpoint redis) {
    Config config = new Config();
    config.useSingleServer().setAddress(redis.uri());
    RedissonClient client = Redisson.create(config);
    try {
      var bucket = client.<String>getBucket("fixture:greeting");
      bucket.set("hello", Duration.ofMinutes(1));
      assertThat(client.<String>getBucket("fixture:greeting").get()).isEqualTo("hello");
      assertThat(client.getAtomicLong("fixture:counter").incrementAndGet()).isPositive();
      assertThat(bucket.remainTimeToLive()).isPositive();
    } finally {
      client.shutdown();
    }
  }

  @Test
  void sameServerForTheWholeRun(RedisEndpoint first, RedisEndpoint second) {
    assertThat(first).isEqualTo(second);
  }
}
