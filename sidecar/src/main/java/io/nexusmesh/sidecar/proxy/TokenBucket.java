package io.nexusmesh.sidecar.proxy;

/**
 * A token bucket that starts full: {@code perSecond} tokens a second, up to {@code perSecond}
 * stored. Written here because the limiter Armeria offers ({@code ThrottlingStrategy.rateLimiting},
 * Guava's smooth {@code RateLimiter}) starts empty and spaces requests evenly, so the second of two
 * requests made within 5 ms of a sidecar's start (at 200 a second) was refused: user code may send
 * a short burst at any time, a sustained flood is what the limit is for.
 */
final class TokenBucket {
  private final double perSecond;
  private double tokens;
  private long lastNanos;

  TokenBucket(double perSecond) {
    if (!(perSecond > 0)) {
      throw new IllegalArgumentException("perSecond: " + perSecond + " (expected: > 0)");
    }
    this.perSecond = perSecond;
    this.tokens = perSecond;
    this.lastNanos = System.nanoTime();
  }

  /** Takes one token if there is one. */
  synchronized boolean tryTake() {
    long now = System.nanoTime();
    tokens = Math.min(perSecond, tokens + (now - lastNanos) / 1e9 * perSecond);
    lastNanos = now;
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }
}
