package io.nexusmesh.gateway.durable;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionEvent;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.gateway.engine.RunTracing;
import io.nexusmesh.gateway.payload.Payloads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RMap;
import org.redisson.api.RScript;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.codec.CompositeCodec;

/**
 * Everything durable about executions, in Redis through Redisson, so that any gateway can serve or
 * resume any execution. Keys share a hash tag per execution ({@code nx:exec:{id}...}) so they stay
 * on one Redis Cluster slot:
 *
 * <ul>
 *   <li>{@code nx:exec:{id}} — hash: the Execution, its org, its spec, deadline, cancel request,
 *       where its trace began
 *   <li>{@code nx:exec:{id}:journal} — hash: step outputs, attempts and timers
 *   <li>{@code nx:exec:{id}:signals} — hash: received signals by name
 *   <li>{@code nx:exec:{id}:events} — list: the event log (offset = index)
 *   <li>{@code nx:exec:{id}:lease} — string with a TTL: the owning gateway
 *   <li>{@code nx:running} — set of unfinished durable executions (what recovery scans)
 *   <li>{@code nx:org:{org}:executions} — sorted set by creation time, for listing
 * </ul>
 */
public final class ExecutionStore {
  private static final CompositeCodec HASH =
      new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE);
  private static final String RUNNING = "nx:running";
  private static final String RENEW_IF_OWNER =
      "if redis.call('get', KEYS[1]) == ARGV[1] then "
          + "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
  private static final String LEASE_IF_RUNNING =
      "if redis.call('sismember', KEYS[1], ARGV[1]) == 0 then return 0 end "
          + "if redis.call('set', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return 1 end "
          + "return 0";
  private static final String RELEASE_IF_OWNER =
      "if redis.call('get', KEYS[1]) == ARGV[1] then "
          + "return redis.call('del', KEYS[1]) else return 0 end";

  private final RedissonClient redis;
  private final Payloads payloads;

  /** The store on {@code redis}, keeping large payloads in {@code payloads}' object store. */
  public ExecutionStore(RedissonClient redis, Payloads payloads) {
    this.redis = requireNonNull(redis, "redis");
    this.payloads = requireNonNull(payloads, "payloads");
  }

  /** The payloads policy: what is too large for Redis, and where it goes. */
  Payloads payloads() {
    return payloads;
  }

  /** An execution's record as Redis keeps it (its reference, when large). */
  private byte[] executionBytes(Execution execution) {
    return payloads.offload(
        execution.getId() + "/execution",
        execution.toByteArray(),
        "execution " + execution.getId());
  }

  /** An execution as stored: the public resource plus what resuming it needs. */
  public record Stored(
      Execution execution,
      String org,
      WorkflowSpec spec,
      long deadlineMillis,
      @Nullable String cancelReason,
      RunTracing.Origin trace) {
    public Stored {
      requireNonNull(execution, "execution");
      requireNonNull(org, "org");
      requireNonNull(spec, "spec");
      requireNonNull(trace, "trace");
    }

    /** An execution whose trace is not kept. */
    public Stored(
        Execution execution,
        String org,
        WorkflowSpec spec,
        long deadlineMillis,
        @Nullable String cancelReason) {
      this(execution, org, spec, deadlineMillis, cancelReason, RunTracing.Origin.NONE);
    }
  }

  private static String key(String id) {
    return "nx:exec:{" + id + "}";
  }

  private RMap<String, byte[]> record(String id) {
    return redis.getMap(key(id), HASH);
  }

  private RMap<String, byte[]> journal(String id) {
    return redis.getMap(key(id) + ":journal", HASH);
  }

  private RMap<String, byte[]> signals(String id) {
    return redis.getMap(key(id) + ":signals", HASH);
  }

  private static String index(String org) {
    return "nx:org:{" + org + "}:executions";
  }

  // ---- records ----

  /**
   * Creates an execution. A durable one is also entered in the running set with {@code owner}'s
   * lease, in the same atomic batch, so a crash right after leaves it resumable.
   */
  public void create(Stored stored, boolean durable, String owner, Duration leaseTtl) {
    create(stored, durable, owner, leaseTtl, "");
  }

  /**
   * Creates an execution started with {@code requestId} (empty: none), kept with it so that
   * recovery can tell an orphan whose creator died before claiming the id from the execution that
   * did claim it.
   */
  public void create(
      Stored stored, boolean durable, String owner, Duration leaseTtl, String requestId) {
    RBatch batch =
        redis.createBatch(
            BatchOptions.defaults().executionMode(BatchOptions.ExecutionMode.IN_MEMORY_ATOMIC));
    addRecord(batch, stored, true);
    if (!requestId.isEmpty()) {
      batch
          .<String, byte[]>getMap(key(stored.execution().getId()), HASH)
          .fastPutAsync("request", requestId.getBytes(UTF_8));
    }
    if (durable) {
      String id = stored.execution().getId();
      batch.<String>getSet(RUNNING, StringCodec.INSTANCE).addAsync(id);
      batch.<String>getBucket(key(id) + ":lease", StringCodec.INSTANCE).setAsync(owner, leaseTtl);
    }
    batch.execute();
  }

  /** Adds the writes of an execution's record and its index entry to {@code batch}. */
  private void addRecord(RBatch batch, Stored stored, boolean withSpec) {
    String id = stored.execution().getId();
    Map<String, byte[]> fields = new HashMap<>();
    fields.put("execution", executionBytes(stored.execution()));
    fields.put("org", stored.org().getBytes(UTF_8));
    if (withSpec) {
      fields.put("spec", stored.spec().toByteArray());
    }
    fields.put("deadline", Long.toString(stored.deadlineMillis()).getBytes(UTF_8));
    if (!stored.trace().parent().isEmpty()) {
      fields.put("trace_parent", stored.trace().parent().getBytes(UTF_8));
      fields.put("trace_first", stored.trace().firstRun().getBytes(UTF_8));
    }
    batch.<String, byte[]>getMap(key(id), HASH).putAllAsync(fields);
    batch
        .<String>getScoredSortedSet(index(stored.org()), StringCodec.INSTANCE)
        .addAsync(
            stored.execution().getCreateTime().getSeconds() * 1000.0
                + stored.execution().getCreateTime().getNanos() / 1e6,
            id);
  }

  /** The execution {@code id}, whatever its org. */
  public Optional<Stored> find(String id) {
    Map<String, byte[]> fields = record(id).readAllMap();
    if (!fields.containsKey("execution")) {
      return Optional.empty();
    }
    try {
      byte[] cancel = fields.get("cancel");
      return Optional.of(
          new Stored(
              Execution.parseFrom(payloads.resolve(fields.get("execution"))),
              new String(fields.get("org"), UTF_8),
              // Ended ephemeral records carry no spec: only resuming needs it.
              fields.containsKey("spec")
                  ? WorkflowSpec.parseFrom(fields.get("spec"))
                  : WorkflowSpec.getDefaultInstance(),
              Long.parseLong(new String(fields.get("deadline"), UTF_8)),
              cancel == null ? null : new String(cancel, UTF_8),
              new RunTracing.Origin(text(fields, "trace_parent"), text(fields, "trace_first"))));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("execution " + id + " is not readable", e);
    }
  }

  private static String text(Map<String, byte[]> fields, String name) {
    byte[] value = fields.get(name);
    return value == null ? "" : new String(value, UTF_8);
  }

  /** The execution {@code id} if it belongs to {@code org}: another org's is simply absent. */
  public Optional<Stored> find(String org, String id) {
    return find(id).filter(s -> s.org().equals(org));
  }

  /**
   * Stores a finished execution, after the journal entries and events still {@code pending}, in one
   * atomic write, and lets all its keys expire after {@code retention}; a durable one leaves the
   * running set and its lease is dropped.
   */
  void finish(Execution execution, Duration retention, PendingWrites pending) {
    String id = execution.getId();
    RBatch batch =
        redis.createBatch(
            BatchOptions.defaults().executionMode(BatchOptions.ExecutionMode.IN_MEMORY_ATOMIC));
    pending.addTo(batch, key(id));
    batch
        .<String, byte[]>getMap(key(id), HASH)
        .fastPutAsync("execution", executionBytes(execution));
    batch.<String>getSet(RUNNING, StringCodec.INSTANCE).removeAsync(id);
    batch.getBucket(key(id) + ":lease").deleteAsync();
    for (String suffix : List.of("", ":journal", ":signals", ":events")) {
      batch
          .getKeys()
          .expireAsync(
              key(id) + suffix, retention.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }
    batch.execute();
  }

  /**
   * Stores ended EPHEMERAL executions (never written while they ran) in one pipelined round trip,
   * each expiring after {@code retention}.
   */
  public void storeEnded(Collection<Stored> ended, Duration retention) {
    RBatch batch = redis.createBatch();
    for (Stored stored : ended) {
      addRecord(batch, stored, false);
      batch
          .getKeys()
          .expireAsync(
              key(stored.execution().getId()),
              retention.toMillis(),
              java.util.concurrent.TimeUnit.MILLISECONDS);
    }
    batch.execute();
  }

  /** Removes an execution that never ran (it lost the race for its request id). */
  public void discard(String org, String id) {
    RBatch batch =
        redis.createBatch(
            BatchOptions.defaults().executionMode(BatchOptions.ExecutionMode.IN_MEMORY_ATOMIC));
    batch.<String>getSet(RUNNING, StringCodec.INSTANCE).removeAsync(id);
    batch.<String>getScoredSortedSet(index(org), StringCodec.INSTANCE).removeAsync(id);
    batch.getKeys().deleteAsync(key(id), key(id) + ":lease");
    batch.execute();
  }

  /** The request id {@code id} was started with, or null when it had none. */
  @Nullable String requestId(String id) {
    byte[] requestId = record(id).get("request");
    return requestId == null ? null : new String(requestId, UTF_8);
  }

  /** Records a cancellation request; the owner sees it at its next step or wait. */
  public void requestCancel(String id, String reason) {
    record(id).fastPut("cancel", reason.getBytes(UTF_8));
  }

  /** The cancellation reason, or null while none was requested. */
  public @Nullable String cancelReason(String id) {
    byte[] reason = record(id).get("cancel");
    return reason == null ? null : new String(reason, UTF_8);
  }

  /** An execution and its position in its organisation's index (newest first, from 0). */
  public record Indexed(int position, Execution execution) {}

  /**
   * A window of the org's index: {@code scanned} entries read from {@code offset}, and the
   * executions among them whose records still exist (expired ones are skipped, positions are not).
   */
  public record IndexPage(List<Indexed> entries, int scanned) {}

  /** How many entries the org's index holds. */
  public int indexSize(String org) {
    return redis.<String>getScoredSortedSet(index(org), StringCodec.INSTANCE).size();
  }

  /** Up to {@code limit} index entries of the org, newest first, from position {@code offset}. */
  public IndexPage page(String org, int offset, int limit) {
    Collection<String> ids =
        redis
            .<String>getScoredSortedSet(index(org), StringCodec.INSTANCE)
            .valueRangeReversed(offset, offset + limit - 1);
    List<Indexed> entries = new ArrayList<>();
    int position = offset;
    for (String id : ids) {
      int at = position++;
      find(org, id).ifPresent(s -> entries.add(new Indexed(at, s.execution())));
    }
    return new IndexPage(entries, ids.size());
  }

  /**
   * Claims {@code requestId} for {@code executionId}; returns the execution that claimed it first
   * when it was already used (idempotent retries join the first execution).
   */
  public Optional<String> claimRequest(
      String org, String requestId, String executionId, Duration ttl) {
    var bucket =
        redis.<String>getBucket("nx:org:{" + org + "}:request:" + requestId, StringCodec.INSTANCE);
    if (bucket.setIfAbsent(executionId, ttl)) {
      return Optional.empty();
    }
    return Optional.ofNullable(bucket.get());
  }

  // ---- journal ----

  /** What resuming {@code id} reads back, in one round trip. */
  record Resumed(Map<String, byte[]> journal, long eventCount, @Nullable String cancelReason) {}

  /** The whole journal of {@code id} (step outputs, attempts, timers), read once by its owner. */
  Resumed resume(String id) {
    RBatch batch = redis.createBatch();
    var journal = batch.<String, byte[]>getMap(key(id) + ":journal", HASH).readAllMapAsync();
    var events = batch.getList(key(id) + ":events", ByteArrayCodec.INSTANCE).sizeAsync();
    var cancel = batch.<String, byte[]>getMap(key(id), HASH).getAsync("cancel");
    batch.execute();
    byte[] reason = cancel.toCompletableFuture().join();
    Map<String, byte[]> entries = new HashMap<>();
    journal.toCompletableFuture().join().forEach((k, v) -> entries.put(k, payloads.resolve(v)));
    return new Resumed(
        entries,
        events.toCompletableFuture().join(),
        reason == null ? null : new String(reason, UTF_8));
  }

  /**
   * Sends the journal entries and events {@code pending} for {@code id} in one pipelined round
   * trip, in that order, so a reader never sees an event whose step is not journaled yet.
   */
  void flush(String id, PendingWrites pending) {
    RBatch batch = redis.createBatch();
    pending.addTo(batch, key(id));
    batch.execute();
  }

  Optional<Value> signal(String id, String name) {
    byte[] bytes = signals(id).get(name);
    try {
      return bytes == null ? Optional.empty() : Optional.of(Value.parseFrom(bytes));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("signal of " + id + " is not readable", e);
    }
  }

  // ---- events ----

  /** The events of {@code id} from {@code offset} on. */
  public List<ExecutionEvent> events(String id, long offset) {
    List<byte[]> raw =
        redis.<byte[]>getList(key(id) + ":events", ByteArrayCodec.INSTANCE).range((int) offset, -1);
    List<ExecutionEvent> events = new ArrayList<>(raw.size());
    try {
      for (byte[] bytes : raw) {
        events.add(ExecutionEvent.parseFrom(payloads.resolve(bytes)));
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("events of " + id + " are not readable", e);
    }
    return events;
  }

  /** The topic on which the offsets of {@code id}'s new events are published. */
  public RTopic changes(String id) {
    return redis.getTopic(key(id) + ":changed", StringCodec.INSTANCE);
  }

  // ---- leases ----

  /**
   * Takes the lease of {@code id} if nobody holds it and it is still in the running set (a run that
   * parked since the set was read has left it, and has no lease either).
   */
  boolean tryLease(String id, String owner, Duration ttl) {
    Long taken =
        redis
            .getScript(StringCodec.INSTANCE)
            .eval(
                key(id) + ":lease",
                RScript.Mode.READ_WRITE,
                LEASE_IF_RUNNING,
                RScript.ReturnType.LONG,
                List.of(RUNNING, key(id) + ":lease"),
                id,
                owner,
                Long.toString(ttl.toMillis()));
    return taken != null && taken == 1;
  }

  /** Extends the leases {@code owner} still holds. */
  void renewLeases(Collection<String> ids, String owner, Duration ttl) {
    if (ids.isEmpty()) {
      return;
    }
    RBatch batch = redis.createBatch();
    for (String id : ids) {
      batch
          .getScript(StringCodec.INSTANCE)
          .evalAsync(
              key(id) + ":lease",
              RScript.Mode.READ_WRITE,
              RENEW_IF_OWNER,
              RScript.ReturnType.LONG,
              List.of(key(id) + ":lease"),
              owner,
              Long.toString(ttl.toMillis()));
    }
    batch.execute();
  }

  /** Gives up the lease of {@code id} if {@code owner} holds it (graceful shutdown). */
  void releaseLease(String id, String owner) {
    redis
        .getScript(StringCodec.INSTANCE)
        .eval(
            key(id) + ":lease",
            RScript.Mode.READ_WRITE,
            RELEASE_IF_OWNER,
            RScript.ReturnType.LONG,
            List.of(key(id) + ":lease"),
            owner);
  }

  /** The unfinished durable executions. */
  Set<String> running() {
    return redis.<String>getSet(RUNNING, StringCodec.INSTANCE).readAll();
  }

  /** Drops {@code id} from the running set (its record vanished or cannot be resumed). */
  void forget(String id) {
    redis.<String>getSet(RUNNING, StringCodec.INSTANCE).remove(id);
  }
}
