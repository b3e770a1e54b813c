package io.nexusmesh.controlplane.secret;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import io.nexusmesh.controlplane.config.ControlPlaneProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encrypts secret values at rest with a Tink AEAD keyset (AES-256-GCM), each ciphertext bound to
 * its organisation and name (associated data), so a row copied to another org or name does not
 * decrypt. Tink prefixes every ciphertext with the id of the key that made it, which is what lets a
 * keyset hold old keys for reading while its primary key writes.
 */
public final class SecretCipher {
  private static final Logger log = LoggerFactory.getLogger(SecretCipher.class);

  /** A ciphertext and the id of the keyset key that made it. */
  public record Encrypted(byte[] ciphertext, long keyId) {}

  private final Aead aead;
  private final long primaryKeyId;

  private SecretCipher(KeysetHandle keyset) {
    try {
      this.aead = keyset.getPrimitive(RegistryConfiguration.get(), Aead.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the secrets keyset is not an AEAD keyset", e);
    }
    this.primaryKeyId = Integer.toUnsignedLong(keyset.getPrimary().getId());
  }

  static {
    try {
      AeadConfig.register();
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The cipher of a keyset in Tink's JSON form. */
  public static SecretCipher ofJson(String keysetJson) {
    try {
      return new SecretCipher(
          TinkJsonProtoKeysetFormat.parseKeyset(keysetJson, InsecureSecretKeyAccess.get()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the secrets keyset does not parse: " + e.getMessage(), e);
    }
  }

  /** A new keyset with one AES-256-GCM key, in Tink's JSON form. */
  public static String newKeysetJson() {
    try {
      return TinkJsonProtoKeysetFormat.serializeKeyset(
          KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM),
          InsecureSecretKeyAccess.get());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code keysetJson} with a new AES-256-GCM key added and made primary; the old keys stay, so
   * what they encrypted still decrypts (until the control plane re-encrypts it at start).
   */
  public static String rotatedKeysetJson(String keysetJson) {
    try {
      KeysetHandle current =
          TinkJsonProtoKeysetFormat.parseKeyset(keysetJson, InsecureSecretKeyAccess.get());
      KeysetHandle rotated =
          KeysetHandle.newBuilder(current)
              .addEntry(
                  KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM)
                      .withRandomId()
                      .makePrimary())
              .build();
      return TinkJsonProtoKeysetFormat.serializeKeyset(rotated, InsecureSecretKeyAccess.get());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The cipher the settings name: the keyset itself, a keyset file, or (with neither) a keyset file
   * under {@code home}, made on first start.
   */
  public static SecretCipher fromSettings(ControlPlaneProperties properties) {
    var secrets = properties.secrets();
    if (secrets.keyset() != null && !secrets.keyset().isBlank()) {
      return ofJson(secrets.keyset());
    }
    Path file =
        secrets.keysetFile() != null && !secrets.keysetFile().isBlank()
            ? Path.of(secrets.keysetFile())
            : Path.of(properties.home(), "secrets-keyset.json");
    try {
      if (Files.notExists(file)) {
        if (secrets.keysetFile() != null && !secrets.keysetFile().isBlank()) {
          throw new IllegalStateException("the secrets keyset file " + file + " does not exist");
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "keyset", ".tmp");
        try {
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
          // Not a POSIX file system: the directory's permissions have to do.
        }
        Files.writeString(tmp, newKeysetJson(), StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        if (!properties.devIssuer()) {
          log.warn(
              "made a secrets keyset at {}: set NEXUS_SECRETS_KEYSET or NEXUS_SECRETS_KEYSET_FILE"
                  + " to a keyset kept apart from the database",
              file);
        }
      }
      return ofJson(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the secrets keyset " + file, e);
    }
  }

  /** The id of the key new ciphertexts are made with. */
  public long primaryKeyId() {
    return primaryKeyId;
  }

  /** Encrypts {@code value} as {@code org}'s secret {@code name}. */
  public Encrypted encrypt(String org, String name, String value) {
    try {
      return new Encrypted(
          aead.encrypt(value.getBytes(StandardCharsets.UTF_8), associatedData(org, name)),
          primaryKeyId);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("encryption failed", e);
    }
  }

  /**
   * Decrypts {@code org}'s secret {@code name}.
   *
   * @throws IllegalStateException when no key of the keyset made it (a key was removed too soon)
   */
  public String decrypt(String org, String name, byte[] ciphertext) {
    try {
      return new String(
          aead.decrypt(ciphertext, associatedData(org, name)), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "secret " + name + " of org " + org + " does not decrypt with the secrets keyset", e);
    }
  }

  private static byte[] associatedData(String org, String name) {
    return ("nexus-secret-at-rest/" + org + "/" + name).getBytes(StandardCharsets.UTF_8);
  }
}
