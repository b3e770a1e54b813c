package io.nexusmesh.controlplane.secret;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.controlplane.store.SecretStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a key rotation (a new primary key in the secrets keyset), re-encrypts every secret that an
 * older key encrypted, so the old key can later be removed from the keyset. A secret changed while
 * this runs is skipped: its new value is under the primary key already.
 */
public final class SecretReencryption {
  private static final Logger log = LoggerFactory.getLogger(SecretReencryption.class);
  private static final int BATCH = 100;

  private final SecretStore store;
  private final SecretCipher cipher;

  public SecretReencryption(SecretStore store, SecretCipher cipher) {
    this.store = requireNonNull(store, "store");
    this.cipher = requireNonNull(cipher, "cipher");
  }

  /** Re-encrypts what needs it; returns how many secrets it re-encrypted. */
  public int run() {
    int done = 0;
    String afterOrg = "";
    String afterName = "";
    while (true) {
      var rows = store.notEncryptedWith(cipher.primaryKeyId(), afterOrg, afterName, BATCH);
      if (rows.isEmpty()) {
        break;
      }
      for (var row : rows) {
        String name = row.secret().getName();
        afterOrg = row.org();
        afterName = name;
        String value;
        try {
          value = cipher.decrypt(row.org(), name, row.ciphertext());
        } catch (IllegalStateException e) {
          log.error("{}: put the key that made it back in the keyset", e.getMessage());
          continue;
        }
        var encrypted = cipher.encrypt(row.org(), name, value);
        // False when the secret changed meanwhile: its new value is under the primary key already.
        if (store.reencrypt(
            row.org(),
            name,
            row.secret().getVersion(),
            encrypted.ciphertext(),
            encrypted.keyId())) {
          done++;
        }
      }
    }
    if (done > 0) {
      log.info("re-encrypted {} secrets under the primary key {}", done, cipher.primaryKeyId());
    }
    return done;
  }
}
