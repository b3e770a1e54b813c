package io.nexusmesh.gateway.session;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.Timestamps;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.SessionEvent;
import io.nexusmesh.api.gateway.v1.SessionEventType;
import java.time.Clock;
import java.util.function.Consumer;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's events ({@link SessionEvent}: executions started and completed), fanned out through
 * Redis pub/sub ({@code nx:session:{id}:events}, protobuf JSON) to every subscriber on every
 * gateway, whatever channel it listens on: a gRPC stream, SSE or the MCP session's stream.
 */
public final class SessionEvents {
  private static final Logger log = LoggerFactory.getLogger(SessionEvents.class);

  private final RedissonClient redis;
  private final Clock clock;

  public SessionEvents(RedissonClient redis, Clock clock) {
    this.redis = requireNonNull(redis, "redis");
    this.clock = requireNonNull(clock, "clock");
  }

  private RTopic topic(String sessionId) {
    return redis.getTopic("nx:session:{" + sessionId + "}:events", StringCodec.INSTANCE);
  }

  /** Publishes that {@code execution} started in its session. */
  public void started(Execution execution) {
    publish(execution, SessionEventType.SESSION_EVENT_TYPE_EXECUTION_STARTED);
  }

  /** Publishes that {@code execution} ended in its session. */
  public void completed(Execution execution) {
    publish(execution, SessionEventType.SESSION_EVENT_TYPE_EXECUTION_COMPLETED);
  }

  private void publish(Execution execution, SessionEventType type) {
    if (execution.getSessionId().isEmpty()) {
      return;
    }
    SessionEvent event =
        SessionEvent.newBuilder()
            .setType(type)
            .setSessionId(execution.getSessionId())
            .setExecutionId(execution.getId())
            .setWorkflowId(execution.getWorkflowId())
            .setStatus(execution.getStatus())
            .setTime(Timestamps.fromMillis(clock.millis()))
            .build();
    topic(execution.getSessionId()).publishAsync(json(event));
  }

  /** The event as one line of protobuf JSON. */
  public static String json(SessionEvent event) {
    try {
      return JsonFormat.printer().omittingInsignificantWhitespace().print(event);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Delivers the session's events to {@code listener} until the returned handle is closed. */
  public AutoCloseable subscribe(String sessionId, Consumer<SessionEvent> listener) {
    RTopic topic = topic(sessionId);
    int id =
        topic.addListener(
            String.class,
            (channel, json) -> {
              SessionEvent.Builder event = SessionEvent.newBuilder();
              try {
                JsonFormat.parser().ignoringUnknownFields().merge(json, event);
                listener.accept(event.build());
              } catch (InvalidProtocolBufferException e) {
                log.warn("unreadable event of session {}: {}", sessionId, json);
              }
            });
    return () -> topic.removeListener(id);
  }

  /** The SSE event name of an event type, e.g. {@code execution-completed}. */
  public static String name(SessionEventType type) {
    return type.name()
        .substring("SESSION_EVENT_TYPE_".length())
        .toLowerCase(java.util.Locale.ROOT)
        .replace('_', '-');
  }
}
