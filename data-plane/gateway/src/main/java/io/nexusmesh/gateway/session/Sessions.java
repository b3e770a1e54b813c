package io.nexusmesh.gateway.session;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.Timestamps;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.Session;
import io.nexusmesh.api.gateway.v1.SessionState;
import io.nexusmesh.api.semantic.v1.Agent;
import io.nexusmesh.gateway.usage.ChannelMetrics;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.codec.CompositeCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions in Redis, so that every gateway replica serves every session: {@code nx:session:{id}}
 * (hash: owner, variables, state, times, idle TTL), {@code ...:executions} (list) and the owner's
 * index {@code nx:sessions:{org}:{subject}} (sorted by creation). A session belongs to the
 * principal that opened it; to anyone else it does not exist (NOT_FOUND). Every use restarts its
 * idle time; closed ones stop working on every channel and expire like open ones.
 */
public final class Sessions {
  private static final CompositeCodec HASH =
      new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);

  /** Idle time to live when the creator gives none. */
  public static final Duration DEFAULT_TTL = Duration.ofHours(1);

  private static final int MAX_REMEMBERED_TOUCHES = 100_000;

  /** Where a gateway that closes a session announces it, so every gateway forgets it at once. */
  private static final String CLOSED_TOPIC = "nx:sessions:closed";

  private final RedissonClient redis;
  private final Clock clock;
  private final Map<String, Long> lastTouched = new java.util.concurrent.ConcurrentHashMap<>();
  private final OpenSessions open = new OpenSessions();

  private final ChannelMetrics metrics;

  public Sessions(RedissonClient redis, Clock clock, ChannelMetrics metrics) {
    this.redis = requireNonNull(redis, "redis");
    this.clock = requireNonNull(clock, "clock");
    this.metrics = requireNonNull(metrics, "metrics");
    redis
        .getTopic(CLOSED_TOPIC, StringCodec.INSTANCE)
        .addListener(String.class, (channel, id) -> open.forget(id));
  }

  private static String key(String id) {
    return "nx:session:{" + id + "}";
  }

  private static String index(Principal owner) {
    return "nx:sessions:{" + owner.org() + "}:" + owner.subject();
  }

  private static String owner(Principal caller) {
    return caller.org() + "\n" + caller.subject();
  }

  /** Opens a session for {@code caller}. */
  public Session create(Principal caller, Struct variables, Duration ttl) {
    return create(caller, variables, ttl, null);
  }

  /** Opens a session for {@code caller} whose text messages {@code agent} answers (if not null). */
  public Session create(Principal caller, Struct variables, Duration ttl, @Nullable Agent agent) {
    byte[] random = new byte[16];
    RANDOM.nextBytes(random);
    String id = HexFormat.of().formatHex(random);
    long now = clock.millis();
    RBatch batch =
        redis.createBatch(
            BatchOptions.defaults().executionMode(BatchOptions.ExecutionMode.IN_MEMORY_ATOMIC));
    batch
        .<String, byte[]>getMap(key(id), HASH)
        .putAllAsync(fields(caller, variables, ttl, agent, now));
    batch
        .getKeys()
        .expireAsync(key(id), ttl.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    batch.<String>getScoredSortedSet(index(caller), StringCodec.INSTANCE).addAsync(now, id);
    batch.execute();
    return find(caller, id).orElseThrow();
  }

  /** A new session's hash; the {@code agent} field is there only when it has one. */
  private static Map<String, byte[]> fields(
      Principal caller, Struct variables, Duration ttl, @Nullable Agent agent, long now) {
    Map<String, byte[]> fields = new java.util.HashMap<>();
    fields.put("owner", owner(caller).getBytes(UTF_8));
    fields.put("subject", caller.subject().getBytes(UTF_8));
    fields.put("variables", variables.toByteArray());
    fields.put("state", SessionState.SESSION_STATE_OPEN.name().getBytes(UTF_8));
    fields.put("created", Long.toString(now).getBytes(UTF_8));
    fields.put("ttl", Long.toString(ttl.toMillis()).getBytes(UTF_8));
    if (agent != null) {
      fields.put("agent", agent.toByteArray());
    }
    return fields;
  }

  /** The session {@code id} of {@code caller}, its idle time restarted; empty if not theirs. */
  public Optional<Session> find(Principal caller, String id) {
    if (!id.matches("^[0-9a-f]{32}$")) {
      return Optional.empty();
    }
    Map<String, byte[]> fields = redis.<String, byte[]>getMap(key(id), HASH).readAllMap();
    byte[] owner = fields.get("owner");
    if (owner == null || !new String(owner, UTF_8).equals(owner(caller))) {
      return Optional.empty();
    }
    long ttl = Long.parseLong(new String(fields.get("ttl"), UTF_8));
    touch(id, ttl);
    List<String> executions =
        redis.<String>getList(key(id) + ":executions", StringCodec.INSTANCE).readAll();
    try {
      return Optional.of(
          Session.newBuilder()
              .setName("sessions/" + id)
              .setId(id)
              .setSubject(new String(fields.get("subject"), UTF_8))
              .setVariables(Struct.parseFrom(fields.get("variables")))
              .addAllExecutionIds(executions)
              .setState(SessionState.valueOf(new String(fields.get("state"), UTF_8)))
              .setCreateTime(
                  Timestamps.fromMillis(Long.parseLong(new String(fields.get("created"), UTF_8))))
              .setExpireTime(Timestamps.fromMillis(clock.millis() + ttl))
              .mergeFrom(withAgent(fields))
              .build());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("session " + id + " is not readable", e);
    }
  }

  /** A session with only the agent stored with it set (none when it has none). */
  private static Session withAgent(Map<String, byte[]> fields)
      throws InvalidProtocolBufferException {
    byte[] agent = fields.get("agent");
    return agent == null
        ? Session.getDefaultInstance()
        : Session.newBuilder().setAgent(Agent.parseFrom(agent)).build();
  }

  /**
   * The caller's open session {@code id}, or NOT_FOUND (unknown, expired, closed or someone
   * else's). Restarts its idle time without waiting for Redis to confirm. Answered from this
   * gateway's memory of open sessions when it has the session (see {@link OpenSessions}), else with
   * one round trip.
   */
  public OpenSession requireOpen(Principal caller, String id) {
    long now = clock.millis();
    Optional<OpenSession> known = open.find(id, owner(caller), now);
    if (known.isPresent()) {
      touch(id, known.get().ttl().toMillis());
      metrics.sessionUsed(id);
      return known.get();
    }
    Map<String, byte[]> fields = owned(caller, id);
    if (!SessionState.SESSION_STATE_OPEN.name().equals(new String(fields.get("state"), UTF_8))) {
      throw NexusException.notFound("session", id);
    }
    long ttl = Long.parseLong(new String(fields.get("ttl"), UTF_8));
    open.put(id, owner(caller), Duration.ofMillis(ttl), now);
    touch(id, ttl);
    metrics.sessionUsed(id);
    return new OpenSession(id, Duration.ofMillis(ttl));
  }

  /**
   * The caller's session {@code id} if this gateway's memory holds it open: an answer that costs no
   * round trip, for deciding whether a request can be served without blocking.
   */
  public Optional<OpenSession> openInMemory(Principal caller, String id) {
    return open.find(id, owner(caller), clock.millis());
  }

  /** Whether {@code id} is an open session of {@code caller} (its idle time restarted if so). */
  public boolean isOpen(Principal caller, String id) {
    try {
      requireOpen(caller, id);
      return true;
    } catch (NexusException e) {
      return false;
    }
  }

  /** The owner, state and idle TTL of the caller's session {@code id}, or NOT_FOUND. */
  private Map<String, byte[]> owned(Principal caller, String id) {
    if (!id.matches("^[0-9a-f]{32}$")) {
      throw NexusException.notFound("session", id);
    }
    Map<String, byte[]> fields =
        redis.<String, byte[]>getMap(key(id), HASH).getAll(Set.of("owner", "state", "ttl"));
    byte[] owner = fields.get("owner");
    if (owner == null || !new String(owner, UTF_8).equals(owner(caller))) {
      throw NexusException.notFound("session", id);
    }
    return fields;
  }

  /** Up to {@code limit} of the caller's sessions from position {@code offset}, newest first. */
  public List<Session> list(Principal caller, int offset, int limit) {
    var ids =
        redis
            .<String>getScoredSortedSet(index(caller), StringCodec.INSTANCE)
            .valueRangeReversed(offset, offset + limit - 1);
    List<Session> sessions = new ArrayList<>();
    for (String id : ids) {
      find(caller, id).ifPresent(sessions::add);
    }
    return sessions;
  }

  /** How many entries the caller's index holds (some may have expired since). */
  public int indexSize(Principal caller) {
    return redis.<String>getScoredSortedSet(index(caller), StringCodec.INSTANCE).size();
  }

  /** Closes the caller's session {@code id}: its id stops working on every channel. */
  public Session close(Principal caller, String id) {
    owned(caller, id);
    redis
        .<String, byte[]>getMap(key(id), HASH)
        .fastPut("state", SessionState.SESSION_STATE_CLOSED.name().getBytes(UTF_8));
    open.forget(id);
    redis.getTopic(CLOSED_TOPIC, StringCodec.INSTANCE).publish(id);
    return find(caller, id).orElseThrow(() -> NexusException.notFound("session", id));
  }

  /**
   * Adds a started execution to the history of an open session and announces it to the session's
   * subscribers, in one Redis round trip.
   */
  public void recordExecution(OpenSession session, Execution started, SessionEvents events) {
    RBatch batch = historyEntry(session, started);
    events.started(batch, started);
    batch.execute();
  }

  /**
   * Like {@link #recordExecution}, without waiting for Redis: for executions that run on the
   * calling thread (EPHEMERAL compute-only runs), whose own record also reaches Redis after their
   * reply (see {@code EphemeralRecords}). The entry follows the reply by about a round trip (lost
   * with the run if this gateway dies first); entries sent by one gateway reach the history in the
   * order their executions started, always before their completion is announced.
   */
  public void recordExecutionLater(OpenSession session, Execution started, SessionEvents events) {
    events.startedInOrder(historyEntry(session, started), started);
  }

  /** A batch adding {@code started} to the session's history and restarting its idle time. */
  private RBatch historyEntry(OpenSession session, Execution started) {
    String history = key(session.id()) + ":executions";
    RBatch batch = redis.createBatch();
    batch.<String>getList(history, StringCodec.INSTANCE).addAsync(started.getId());
    batch
        .getKeys()
        .expireAsync(history, session.ttl().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    return batch;
  }

  /**
   * Remembers which execution a request of the session started (MCP {@code tools/call}), so that
   * its cancellation, arriving at any gateway, finds it.
   */
  public void rememberRequest(OpenSession session, String requestKey, String executionId) {
    String requests = key(session.id()) + ":requests";
    RBatch batch = redis.createBatch();
    batch
        .<String, String>getMap(requests, StringCodec.INSTANCE)
        .fastPutAsync(requestKey, executionId);
    batch
        .getKeys()
        .expireAsync(
            requests, session.ttl().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    batch.execute();
  }

  /** The execution a request of the session started, if any. */
  public Optional<String> executionOfRequest(String id, String requestKey) {
    return Optional.ofNullable(
        redis.<String, String>getMap(key(id) + ":requests", StringCodec.INSTANCE).get(requestKey));
  }

  /**
   * Restarts the idle time of the session's keys, not waiting for the answer: the request goes on
   * meanwhile, and a failed touch only lets an idle session expire sooner (logged). A gateway
   * touches a session at most once per hundredth of its TTL (36 s of an hour): a busy session (an
   * agent calling tools in a loop) would otherwise cost three Redis writes per request, for an
   * expiry at most 1% early.
   */
  private void touch(String id, long ttlMillis) {
    long now = clock.millis();
    Long last = lastTouched.get(id);
    if (last != null && now - last < ttlMillis / 100) {
      return;
    }
    if (lastTouched.size() >= MAX_REMEMBERED_TOUCHES) {
      lastTouched.clear(); // forgetting only costs a touch more per session
    }
    lastTouched.put(id, now);
    RBatch batch = redis.createBatch();
    for (String k : List.of(key(id), key(id) + ":executions", key(id) + ":requests")) {
      batch.getKeys().expireAsync(k, ttlMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
    batch
        .executeAsync()
        .whenComplete(
            (done, failure) -> {
              if (failure != null) {
                LOG.warn(
                    "could not restart the idle time of session {}: {}", id, failure.toString());
              }
            });
  }
}
