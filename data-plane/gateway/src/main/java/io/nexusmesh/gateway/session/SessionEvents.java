package io.nexusmesh.gateway.session;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusmesh.api.gateway.v1.Execution;
import java.util.function.Consumer;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * A session's events, fanned out through Redis pub/sub ({@code nx:session:{id}:events}) to every
 * subscriber on every gateway: {@code execution-started} and {@code execution-completed}, each a
 * JSON object naming the execution, its workflow and its status.
 */
public final class SessionEvents {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RedissonClient redis;

  public SessionEvents(RedissonClient redis) {
    this.redis = requireNonNull(redis, "redis");
  }

  /** One event: its SSE name and JSON data. */
  public record Event(String type, String json) {}

  private static String typeOf(String json) {
    try {
      return JSON.readTree(json).path("type").asText("session-event");
    } catch (java.io.IOException e) {
      return "session-event";
    }
  }

  private RTopic topic(String sessionId) {
    return redis.getTopic("nx:session:{" + sessionId + "}:events", StringCodec.INSTANCE);
  }

  /** Publishes that {@code execution} started in its session. */
  public void started(Execution execution) {
    publish(execution, "execution-started");
  }

  /** Publishes that {@code execution} ended in its session. */
  public void completed(Execution execution) {
    publish(execution, "execution-completed");
  }

  private void publish(Execution execution, String type) {
    if (execution.getSessionId().isEmpty()) {
      return;
    }
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("type", type);
    data.put("sessionId", execution.getSessionId());
    data.put("executionId", execution.getId());
    data.put("workflowId", execution.getWorkflowId());
    data.put("status", execution.getStatus().name());
    topic(execution.getSessionId()).publishAsync(data.toString());
  }

  /** Delivers the session's events to {@code listener} until the returned handle is closed. */
  public AutoCloseable subscribe(String sessionId, Consumer<Event> listener) {
    RTopic topic = topic(sessionId);
    int id =
        topic.addListener(
            String.class, (channel, json) -> listener.accept(new Event(typeOf(json), json)));
    return () -> topic.removeListener(id);
  }
}
