package io.nexusmesh.controlplane.console;

import static java.util.Objects.requireNonNull;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opaque random tokens standing for a value until they expire: the dev authorization server's
 * sign-in codes, authorization codes, browser sessions and refresh tokens. Kept in memory: a
 * restart of the dev control plane signs everyone out, which is what a dev tool may do.
 *
 * @param <T> what a token stands for
 */
final class ExpiringTokens<T> {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int MAX_LIVE = 10_000;

  private record Entry<T>(T value, Instant expiry) {}

  private final ConcurrentHashMap<String, Entry<T>> live = new ConcurrentHashMap<>();
  private final Duration ttl;
  private final Clock clock;

  ExpiringTokens(Duration ttl, Clock clock) {
    this.ttl = requireNonNull(ttl, "ttl");
    this.clock = requireNonNull(clock, "clock");
  }

  /** A new token for {@code value}, valid for this store's time to live. */
  String issue(T value) {
    requireNonNull(value, "value");
    Instant now = clock.instant();
    if (live.size() >= MAX_LIVE) {
      live.values().removeIf(entry -> entry.expiry().isBefore(now));
    }
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    live.put(token, new Entry<>(value, now.plus(ttl)));
    return token;
  }

  /** What {@code token} stands for, if it is live; it stays live. */
  Optional<T> peek(String token) {
    Entry<T> entry = live.get(token);
    if (entry == null) {
      return Optional.empty();
    }
    if (entry.expiry().isBefore(clock.instant())) {
      live.remove(token, entry);
      return Optional.empty();
    }
    return Optional.of(entry.value());
  }

  /** What {@code token} stands for, if it is live, ending it: a token taken twice fails once. */
  Optional<T> take(String token) {
    Entry<T> entry = live.remove(token);
    return entry == null || entry.expiry().isBefore(clock.instant())
        ? Optional.empty()
        : Optional.of(entry.value());
  }

  /** Ends {@code token}. */
  void revoke(String token) {
    live.remove(token);
  }

  /** How long a token lives. */
  Duration ttl() {
    return ttl;
  }
}
