package io.nexusmesh.gateway.mcp;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.runtime.auth.Principal;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import org.redisson.api.RBucket;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * MCP sessions in Redis ({@code nx:mcp:{id}}, expiring after {@code idle} without use), bound to
 * the principal that opened them: any gateway replica serves any request of a session, and a
 * session id presented by anyone else is unknown.
 */
final class McpSessions {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final RedissonClient redis;
  private final Duration idle;

  McpSessions(RedissonClient redis, Duration idle) {
    this.redis = requireNonNull(redis, "redis");
    this.idle = requireNonNull(idle, "idle");
  }

  /** Opens a session for {@code caller}; returns its id (128 random bits, hex). */
  String open(Principal caller) {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    String id = HexFormat.of().formatHex(bytes);
    bucket(id).set(owner(caller), idle);
    return id;
  }

  /** Whether {@code id} is a live session of {@code caller}; a live one's idle time restarts. */
  boolean touch(String id, Principal caller) {
    if (!id.matches("^[0-9a-f]{32}$")) {
      return false;
    }
    RBucket<String> bucket = bucket(id);
    if (!owner(caller).equals(bucket.get())) {
      return false;
    }
    bucket.expire(idle);
    return true;
  }

  /** Ends {@code id} if it is {@code caller}'s; returns whether it was. */
  boolean close(String id, Principal caller) {
    return touch(id, caller) && bucket(id).delete();
  }

  private RBucket<String> bucket(String id) {
    return redis.getBucket("nx:mcp:{" + id + "}", StringCodec.INSTANCE);
  }

  private static String owner(Principal caller) {
    return caller.org() + "\n" + caller.subject();
  }
}
