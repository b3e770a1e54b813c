package io.nexusmesh.controlplane.panel;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.controlplane.secret.SecretCipher;
import java.util.Base64;
import org.springframework.stereotype.Component;

/**
 * Keeps panel instances' invoke keys encrypted at rest with the secrets keyset, bound to their
 * organisation and panel (the associated data names {@code panel-invoke:<panel>}, which no secret
 * name can collide with).
 */
@Component
public class InvokeKeys {
  private final SecretCipher cipher;

  public InvokeKeys(SecretCipher cipher) {
    this.cipher = requireNonNull(cipher, "cipher");
  }

  /** The invoke key, encrypted for the store. */
  public byte[] encrypt(String org, String panel, byte[] key) {
    return cipher.encrypt(org, name(panel), Base64.getEncoder().encodeToString(key)).ciphertext();
  }

  /** The invoke key a stored ciphertext holds. */
  public byte[] decrypt(String org, String panel, byte[] ciphertext) {
    return Base64.getDecoder().decode(cipher.decrypt(org, name(panel), ciphertext));
  }

  private static String name(String panel) {
    return "panel-invoke:" + panel;
  }
}
