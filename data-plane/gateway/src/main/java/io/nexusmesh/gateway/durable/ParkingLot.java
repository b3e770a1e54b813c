package io.nexusmesh.gateway.durable;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Value;
import java.time.Duration;
import java.util.List;
import org.redisson.api.RBatch;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.codec.CompositeCodec;

/**
 * Durable executions that wait (for a signal or a timer) without a gateway holding them: parked in
 * Redis with no owner, no thread and no heap, and claimed back by whichever gateway first sees
 * their wake-up — the one that received the signal or cancellation, or any whose timer scan finds
 * them due. Each move is one Lua script, so a signal that arrives while its run is parking is never
 * lost: the park is refused and the run goes on.
 *
 * <ul>
 *   <li>{@code nx:parked} — sorted set of parked execution ids by wake-up time (the timer, the
 *       signal's timeout or the execution's deadline, whichever is first)
 *   <li>{@code nx:exec:{id}} field {@code waiting} — the signal it waits for ("" for a timer)
 * </ul>
 *
 * <p>The scripts touch the global set and per-execution keys together, as the rest of the store
 * does: one Redis (or a primary with replicas), not Redis Cluster.
 */
final class ParkingLot {
  private static final String PARKED = "nx:parked";
  private static final String RUNNING = "nx:running";
  private static final CompositeCodec HASH =
      new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE);

  // KEYS: record, signals, lease, running, parked. ARGV: owner, wake-at, signal, id.
  private static final String PARK =
      """
      if redis.call('get', KEYS[3]) ~= ARGV[1] then return -1 end
      if redis.call('hexists', KEYS[1], 'cancel') == 1 then return 0 end
      if ARGV[3] ~= '' and redis.call('hexists', KEYS[2], ARGV[3]) == 1 then return 0 end
      redis.call('hset', KEYS[1], 'waiting', ARGV[3])
      redis.call('zadd', KEYS[5], ARGV[2], ARGV[4])
      redis.call('srem', KEYS[4], ARGV[4])
      redis.call('del', KEYS[3])
      return 1
      """;

  // KEYS: record, lease, running, parked. ARGV: owner, lease ms, id, signal ('*': any).
  private static final String CLAIM =
      """
      local waiting = redis.call('hget', KEYS[1], 'waiting')
      if not waiting then return 0 end
      if ARGV[4] ~= '*' and waiting ~= ARGV[4] then return 0 end
      if redis.call('zrem', KEYS[4], ARGV[3]) == 0 then return 0 end
      redis.call('hdel', KEYS[1], 'waiting')
      redis.call('sadd', KEYS[3], ARGV[3])
      redis.call('set', KEYS[2], ARGV[1], 'PX', ARGV[2])
      return 1
      """;

  // KEYS: parked, running. ARGV: now, limit, owner, lease ms.
  private static final String CLAIM_DUE =
      """
      local due = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
      for _, id in ipairs(due) do
        redis.call('zrem', KEYS[1], id)
        redis.call('hdel', 'nx:exec:{' .. id .. '}', 'waiting')
        redis.call('sadd', KEYS[2], id)
        redis.call('set', 'nx:exec:{' .. id .. '}:lease', ARGV[3], 'PX', ARGV[4])
      end
      return due
      """;

  /** How a park request ended. */
  enum Parked {
    /** Parked: the run ends here, its owner lets go. */
    PARKED,
    /** Refused: what it waits for (or a cancellation) already arrived; the run goes on. */
    GO_ON,
    /** Its lease was lost: another gateway runs it now. */
    LOST
  }

  private final RedissonClient redis;

  ParkingLot(RedissonClient redis) {
    this.redis = requireNonNull(redis, "redis");
  }

  private static String key(String id) {
    return "nx:exec:{" + id + "}";
  }

  /**
   * Sends {@code pending}, then parks {@code id} until {@code wakeAtMillis} or signal {@code
   * signal} ("" for none), giving up {@code owner}'s lease, in one round trip.
   */
  Parked park(String id, String owner, long wakeAtMillis, String signal, PendingWrites pending) {
    RBatch batch = redis.createBatch();
    pending.addTo(batch, key(id));
    var result =
        batch
            .getScript(StringCodec.INSTANCE)
            .<Long>evalAsync(
                key(id),
                RScript.Mode.READ_WRITE,
                PARK,
                RScript.ReturnType.LONG,
                List.of(key(id), key(id) + ":signals", key(id) + ":lease", RUNNING, PARKED),
                owner,
                Long.toString(wakeAtMillis),
                signal,
                id);
    batch.execute();
    long code = result.toCompletableFuture().join();
    return code == 1 ? Parked.PARKED : code == 0 ? Parked.GO_ON : Parked.LOST;
  }

  /**
   * Stores signal {@code name} (the first payload of a name wins) and, if {@code id} is parked
   * waiting for it, claims it for {@code owner}: true when the caller must now run it.
   */
  boolean signal(String id, String name, Value payload, String owner, Duration leaseTtl) {
    RBatch batch = redis.createBatch();
    batch
        .<String, byte[]>getMap(key(id) + ":signals", HASH)
        .fastPutIfAbsentAsync(name, payload.toByteArray());
    var claimed = claimAsync(batch, id, name, owner, leaseTtl);
    batch.execute();
    return claimed.toCompletableFuture().join() == 1;
  }

  /**
   * Claims {@code id} for {@code owner} if it is parked, whatever it waits for (a cancellation).
   */
  boolean claim(String id, String owner, Duration leaseTtl) {
    RBatch batch = redis.createBatch();
    var claimed = claimAsync(batch, id, "*", owner, leaseTtl);
    batch.execute();
    return claimed.toCompletableFuture().join() == 1;
  }

  private static org.redisson.api.RFuture<Long> claimAsync(
      RBatch batch, String id, String signal, String owner, Duration leaseTtl) {
    return batch
        .getScript(StringCodec.INSTANCE)
        .evalAsync(
            key(id),
            RScript.Mode.READ_WRITE,
            CLAIM,
            RScript.ReturnType.LONG,
            List.of(key(id), key(id) + ":lease", RUNNING, PARKED),
            owner,
            Long.toString(leaseTtl.toMillis()),
            id,
            signal);
  }

  /** Claims for {@code owner} up to {@code limit} parked executions due by {@code nowMillis}. */
  List<String> claimDue(long nowMillis, int limit, String owner, Duration leaseTtl) {
    return redis
        .getScript(StringCodec.INSTANCE)
        .eval(
            PARKED,
            RScript.Mode.READ_WRITE,
            CLAIM_DUE,
            RScript.ReturnType.LIST,
            List.of(PARKED, RUNNING),
            Long.toString(nowMillis),
            Integer.toString(limit),
            owner,
            Long.toString(leaseTtl.toMillis()));
  }
}
