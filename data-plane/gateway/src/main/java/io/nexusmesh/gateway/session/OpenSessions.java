package io.nexusmesh.gateway.session;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This gateway's memory of sessions it found open in Redis, so that a busy session (an MCP client
 * calling tools in a loop) is not read from Redis on every request. An entry is trusted for a
 * hundredth of the session's idle TTL (at most {@link #MAX_TRUST}) after it was read; a session
 * closed on any gateway is forgotten at once through the close announcement every gateway hears
 * (see {@link Sessions#close}), so the trust window only matters when an announcement is lost (a
 * Redis reconnection), and then for seconds. A session cannot expire unnoticed meanwhile: every use
 * through this memory restarts its idle time in Redis, as a read would.
 */
final class OpenSessions {
  /** The longest an entry is trusted without reading the session again. */
  static final Duration MAX_TRUST = Duration.ofSeconds(30);

  private static final int MAX_ENTRIES = 100_000;

  /** What was read: the owner ({@code org\nsubject}), the idle TTL, and when it was read. */
  private record Entry(String owner, Duration ttl, long readAtMillis) {}

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  /** The session {@code id} as read at most a trust window ago, if {@code owner} owns it. */
  Optional<OpenSession> find(String id, String owner, long nowMillis) {
    Entry entry = entries.get(id);
    if (entry == null || !entry.owner().equals(owner)) {
      return Optional.empty();
    }
    long trust = Math.min(entry.ttl().toMillis() / 100, MAX_TRUST.toMillis());
    if (nowMillis - entry.readAtMillis() >= trust) {
      entries.remove(id, entry);
      return Optional.empty();
    }
    return Optional.of(new OpenSession(id, entry.ttl()));
  }

  /** Remembers that {@code owner}'s session {@code id} was read open just now. */
  void put(String id, String owner, Duration ttl, long nowMillis) {
    if (entries.size() >= MAX_ENTRIES) {
      entries.clear(); // forgetting only costs a read more per session
    }
    entries.put(id, new Entry(owner, ttl, nowMillis));
  }

  /** Forgets session {@code id} (closed somewhere). */
  void forget(String id) {
    entries.remove(id);
  }
}
