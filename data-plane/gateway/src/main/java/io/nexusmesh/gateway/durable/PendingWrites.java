package io.nexusmesh.gateway.durable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.redisson.api.RBatch;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.codec.CompositeCodec;

/**
 * Journal entries and events an execution's owner recorded but has not sent to Redis yet: they go
 * together, in order, in the next pipelined write (see {@link RedisJournal} for when that is). Not
 * thread-safe: its journal guards it.
 */
final class PendingWrites {
  private static final CompositeCodec HASH =
      new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE);

  private final Map<String, byte[]> puts = new LinkedHashMap<>();
  private final Map<String, byte[]> putsIfAbsent = new LinkedHashMap<>();
  private final List<Object> events = new ArrayList<>();
  private long lastOffset = -1;

  /** Records a journal field; {@code onlyIfAbsent}: the first write of the field wins. */
  void put(String field, byte[] value, boolean onlyIfAbsent) {
    if (onlyIfAbsent) {
      putsIfAbsent.putIfAbsent(field, value);
    } else {
      puts.put(field, value);
    }
  }

  /** Records an event already numbered {@code offset}. */
  void event(byte[] event, long offset) {
    events.add(event);
    lastOffset = offset;
  }

  boolean isEmpty() {
    return puts.isEmpty() && putsIfAbsent.isEmpty() && events.isEmpty();
  }

  /**
   * Adds everything to {@code batch} for the execution whose keys start with {@code key}: journal
   * fields, then events, then one notification of the newest offset to its watchers.
   */
  void addTo(RBatch batch, String key) {
    var journal = batch.<String, byte[]>getMap(key + ":journal", HASH);
    if (!puts.isEmpty()) {
      journal.putAllAsync(puts);
    }
    putsIfAbsent.forEach(journal::fastPutIfAbsentAsync);
    if (!events.isEmpty()) {
      batch.getList(key + ":events", ByteArrayCodec.INSTANCE).addAllAsync(events);
      batch.getTopic(key + ":changed", StringCodec.INSTANCE).publishAsync(lastOffset);
    }
  }

  void clear() {
    puts.clear();
    putsIfAbsent.clear();
    events.clear();
  }
}
