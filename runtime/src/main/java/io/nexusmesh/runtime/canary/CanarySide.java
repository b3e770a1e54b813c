package io.nexusmesh.runtime.canary;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Which side of a canary split a call falls on. The side is a pure function of the deployment and
 * the call's sticky key (its session id, else its request id), so every gateway puts a session and
 * a retried request on the same side without sharing state; a call with neither key is placed at
 * random. SHA-256 over the pair spreads keys evenly whatever their shape (UUIDs, counters, names),
 * which {@code String.hashCode} would not.
 */
public final class CanarySide {
  private CanarySide() {}

  /**
   * Whether a call with {@code stickyKey} (empty: none) runs the canary of {@code deploymentId},
   * which takes {@code percent} of the calls.
   */
  public static boolean inCanary(String deploymentId, int percent, String stickyKey) {
    if (percent <= 0) {
      return false;
    }
    if (percent >= 100) {
      return true;
    }
    int slot =
        stickyKey.isEmpty()
            ? ThreadLocalRandom.current().nextInt(100)
            : slot(deploymentId + "\n" + stickyKey);
    return slot < percent;
  }

  /** A number in [0, 100) that only depends on {@code key}. */
  static int slot(String key) {
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    long high = 0;
    for (int i = 0; i < 8; i++) {
      high = (high << 8) | (digest[i] & 0xff);
    }
    return (int) Long.remainderUnsigned(high, 100);
  }
}
