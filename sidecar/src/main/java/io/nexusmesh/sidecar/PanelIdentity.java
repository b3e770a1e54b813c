package io.nexusmesh.sidecar;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Who this sidecar speaks for: the panel and organisation the control plane named when the panel's
 * credential was first used (never what the user code says), this run's instance id, and the invoke
 * key gateways must present.
 */
public final class PanelIdentity {
  private final String instance = UUID.randomUUID().toString().replace("-", "");
  private final byte[] invokeKey;
  private volatile @Nullable Named named;

  /** The panel and organisation, as the control plane named them. */
  public record Named(String org, String panel) {}

  /** An identity with a fresh random invoke key. */
  public PanelIdentity() {
    invokeKey = new byte[32];
    new SecureRandom().nextBytes(invokeKey);
  }

  /**
   * An identity with a given invoke key (base64url, at least 32 bytes), e.g. provisioned as a pod
   * secret; IllegalArgumentException when it is not one.
   */
  public PanelIdentity(String invokeKey) {
    byte[] decoded;
    try {
      decoded = Base64.getUrlDecoder().decode(invokeKey.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the invoke key is not base64url", e);
    }
    if (decoded.length < 32 || decoded.length > 64) {
      throw new IllegalArgumentException(
          "the invoke key must be 32 to 64 bytes, not " + decoded.length);
    }
    this.invokeKey = decoded;
  }

  /** This sidecar run's id. */
  public String instance() {
    return instance;
  }

  /** The invoke key's bytes (reported to the control plane, which seals them to gateways). */
  public byte[] invokeKey() {
    return invokeKey.clone();
  }

  /** The invoke key as gateways present it: {@code Authorization: Bearer <this>}. */
  public String invokeKeyText() {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(invokeKey);
  }

  /** Records the names the control plane answered with. */
  public void name(String org, String panel) {
    named = new Named(org, panel);
  }

  /** The names, once the control plane gave them. */
  public Optional<Named> named() {
    return Optional.ofNullable(named);
  }
}
