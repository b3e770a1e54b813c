package io.nexusmesh.gateway.session;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.Timestamps;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.SessionEvent;
import io.nexusmesh.api.gateway.v1.SessionEventType;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.redisson.api.RBatch;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's events ({@link SessionEvent}: executions started, progressing and completed, messages
 * posted), fanned out through Redis pub/sub ({@code nx:session:{id}:events.pb}, binary protobuf) to
 * every subscriber on every gateway, whatever channel it listens on: a gRPC stream, SSE, a
 * WebSocket or the MCP session's stream. Published as binary protobuf, not JSON: publishing is on
 * every execution's path and most events have no subscriber, so the few subscribers render JSON
 * instead (profiling showed JSON printing at a tenth of an MCP tool call's CPU).
 */
public final class SessionEvents {
  private static final Logger log = LoggerFactory.getLogger(SessionEvents.class);

  private final RedissonClient redis;
  private final Clock clock;
  // The last event of each execution still on its way to Redis.
  private final Map<String, CompletableFuture<?>> inFlight = new ConcurrentHashMap<>();

  public SessionEvents(RedissonClient redis, Clock clock) {
    this.redis = requireNonNull(redis, "redis");
    this.clock = requireNonNull(clock, "clock");
  }

  private static String channel(String sessionId) {
    return "nx:session:{" + sessionId + "}:events.pb";
  }

  private RTopic topic(String sessionId) {
    return redis.getTopic(channel(sessionId), ByteArrayCodec.INSTANCE);
  }

  /** Adds the publication that {@code execution} started in its session to {@code batch}. */
  void started(RBatch batch, Execution execution) {
    batch
        .getTopic(channel(execution.getSessionId()), ByteArrayCodec.INSTANCE)
        .publishAsync(
            event(execution, SessionEventType.SESSION_EVENT_TYPE_EXECUTION_STARTED).toByteArray());
  }

  /** Publishes that the step at {@code nodePath} of {@code execution} completed. */
  public void progress(Execution execution, String nodePath) {
    if (execution.getSessionId().isEmpty()) {
      return;
    }
    publishInOrder(
        execution,
        event(execution, SessionEventType.SESSION_EVENT_TYPE_EXECUTION_PROGRESS).toBuilder()
            .setNodeId(nodePath)
            .build());
  }

  /**
   * Publishes {@code message} from {@code sender} to every subscriber of the session, and returns
   * the event once Redis has taken it.
   */
  public SessionEvent message(String sessionId, String sender, Value message) {
    SessionEvent event =
        SessionEvent.newBuilder()
            .setType(SessionEventType.SESSION_EVENT_TYPE_MESSAGE)
            .setSessionId(sessionId)
            .setMessage(message)
            .setSender(sender)
            .setTime(Timestamps.fromMillis(clock.millis()))
            .build();
    topic(sessionId).publish(event.toByteArray());
    return event;
  }

  /**
   * Publishes a step of the session's agent chain (an AGENT event), after the session's previous
   * step: the chain arrives in order from one Kafka partition and leaves in that order.
   */
  public void agent(io.nexusmesh.api.semantic.v1.SemanticEvent step) {
    SessionEvent event =
        SessionEvent.newBuilder()
            .setType(SessionEventType.SESSION_EVENT_TYPE_AGENT)
            .setSessionId(step.getSessionId())
            .setAgentEvent(step)
            .setTime(step.hasTime() ? step.getTime() : Timestamps.fromMillis(clock.millis()))
            .build();
    publishInOrder("agent:" + step.getSessionId(), step.getSessionId(), event);
  }

  /** Publishes that {@code execution} ended in its session. */
  public void completed(Execution execution) {
    publish(execution, SessionEventType.SESSION_EVENT_TYPE_EXECUTION_COMPLETED);
  }

  private void publish(Execution execution, SessionEventType type) {
    if (execution.getSessionId().isEmpty()) {
      return;
    }
    publishInOrder(execution, event(execution, type));
  }

  /**
   * Publishes an execution's events in the order they happened without waiting for them: each goes
   * out once Redis took the one before (publishes may use different connections, and a later one
   * could otherwise overtake an earlier one).
   */
  private void publishInOrder(Execution execution, SessionEvent event) {
    publishInOrder(execution.getId(), execution.getSessionId(), event);
  }

  /** Publishes {@code event} once the last one published under {@code order} went out. */
  private void publishInOrder(String order, String sessionId, SessionEvent event) {
    byte[] bytes = event.toByteArray();
    sendInOrder(order, () -> topic(sessionId).publishAsync(bytes).toCompletableFuture());
  }

  /**
   * Sends {@code batch}, which adds {@code execution} to its session's history and announces that
   * it started (see {@link Sessions#recordExecutionLater}), without waiting for it: after the
   * session's previous history write, so the history keeps the order executions started in, and
   * before the execution's own later events.
   */
  void startedInOrder(RBatch batch, Execution execution) {
    started(batch, execution);
    CompletableFuture<?> sent =
        sendInOrder(
            "history:" + execution.getSessionId(),
            () -> batch.executeAsync().toCompletableFuture());
    inFlight.put(execution.getId(), sent);
    sent.whenComplete((done, failure) -> inFlight.remove(execution.getId(), sent));
  }

  /** Runs {@code send} once the last send under {@code order} finished; returns its future. */
  private CompletableFuture<?> sendInOrder(
      String order, java.util.function.Supplier<CompletableFuture<?>> send) {
    CompletableFuture<?> tail =
        inFlight.compute(
            order,
            (id, previous) ->
                previous == null
                    ? send.get()
                    : previous.handle((done, failure) -> null).thenCompose(ignored -> send.get()));
    tail.whenComplete(
        (done, failure) -> {
          inFlight.remove(order, tail);
          if (failure != null) {
            log.warn("event of {} not sent: {}", order, failure.toString());
          }
        });
    return tail;
  }

  private SessionEvent event(Execution execution, SessionEventType type) {
    return SessionEvent.newBuilder()
        .setType(type)
        .setSessionId(execution.getSessionId())
        .setExecutionId(execution.getId())
        .setWorkflowId(execution.getWorkflowId())
        .setStatus(execution.getStatus())
        .setTime(Timestamps.fromMillis(clock.millis()))
        .build();
  }

  /** The event as one line of protobuf JSON. */
  public static String json(SessionEvent event) {
    try {
      return io.nexusmesh.api.json.JsonNumbers.integral(
          JsonFormat.printer().omittingInsignificantWhitespace().print(event));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Delivers the session's events to {@code listener} until the returned handle is closed. */
  public AutoCloseable subscribe(String sessionId, Consumer<SessionEvent> listener) {
    RTopic topic = topic(sessionId);
    int id =
        topic.addListener(
            byte[].class,
            (channel, bytes) -> {
              SessionEvent event;
              try {
                event = SessionEvent.parseFrom(bytes);
              } catch (InvalidProtocolBufferException e) {
                log.warn("unreadable event of session {} ({} bytes)", sessionId, bytes.length);
                return;
              }
              listener.accept(event);
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
