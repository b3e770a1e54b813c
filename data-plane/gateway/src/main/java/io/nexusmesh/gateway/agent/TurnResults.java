package io.nexusmesh.gateway.agent;

import com.google.protobuf.InvalidProtocolBufferException;
import io.nexusmesh.api.semantic.v1.SemanticEvent;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.redisson.api.RBucket;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * How workflow steps' turns ended, in Redis ({@code nx:llm-turn:{turn}}, kept a day, announced on
 * {@code ...:done}): the gateway that reads a turn's end from the semantic bus writes it, the
 * gateway whose step waits for it (maybe another, after a takeover) reads it.
 */
public final class TurnResults {
  private static final Duration KEEP = Duration.ofDays(1);

  private final RedissonClient redis;

  public TurnResults(RedissonClient redis) {
    this.redis = redis;
  }

  private RBucket<byte[]> bucket(String turnId) {
    return redis.getBucket("nx:llm-turn:{" + turnId + "}", ByteArrayCodec.INSTANCE);
  }

  private RTopic topic(String turnId) {
    return redis.getTopic("nx:llm-turn:{" + turnId + "}:done", ByteArrayCodec.INSTANCE);
  }

  /** Records a turn's end (its {@code turn_response} or {@code turn_failed}). */
  public void record(SemanticEvent end) {
    byte[] bytes = end.toByteArray();
    bucket(end.getTurnId()).set(bytes, KEEP);
    topic(end.getTurnId()).publish(bytes);
  }

  /** The turn's end if it is known. */
  public Optional<SemanticEvent> find(String turnId) {
    return Optional.ofNullable(bucket(turnId).get()).map(TurnResults::parse);
  }

  /** The turn's end, waiting up to {@code timeout} for it; empty when it did not come. */
  public Optional<SemanticEvent> await(String turnId, Duration timeout)
      throws InterruptedException {
    CompletableFuture<byte[]> done = new CompletableFuture<>();
    RTopic topic = topic(turnId);
    int listener = topic.addListener(byte[].class, (channel, bytes) -> done.complete(bytes));
    try {
      byte[] known = bucket(turnId).get(); // after subscribing: an end in between is not lost
      if (known != null) {
        return Optional.of(parse(known));
      }
      return Optional.of(parse(done.get(timeout.toMillis(), TimeUnit.MILLISECONDS)));
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } finally {
      topic.removeListener(listener);
    }
  }

  private static SemanticEvent parse(byte[] bytes) {
    try {
      return SemanticEvent.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("an unreadable turn result", e);
    }
  }
}
