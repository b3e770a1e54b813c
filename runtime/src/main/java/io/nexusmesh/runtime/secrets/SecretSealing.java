package io.nexusmesh.runtime.secrets;

import com.google.crypto.tink.HybridDecrypt;
import com.google.crypto.tink.HybridEncrypt;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.hybrid.HpkeParameters;
import com.google.crypto.tink.hybrid.HybridConfig;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Seals a secret's value to a gateway's public key and opens it with the private one (Tink's HPKE:
 * X25519, HKDF-SHA256, AES-256-GCM). The context info binds a ciphertext to its organisation, name
 * and version, so a sealed value cannot be replayed as another secret or another org's.
 */
public final class SecretSealing {
  private static final class Registration {
    static {
      try {
        HybridConfig.register();
      } catch (GeneralSecurityException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    static void ensure() {}
  }

  private SecretSealing() {}

  /** The key pair a gateway makes at start: the private half stays in this object. */
  public static final class Recipient {
    private final HybridDecrypt decrypt;
    private final byte[] publicKey;
    private final String fingerprint;

    private Recipient(KeysetHandle privateKeyset) throws GeneralSecurityException {
      Registration.ensure();
      this.decrypt = privateKeyset.getPrimitive(RegistryConfiguration.get(), HybridDecrypt.class);
      this.publicKey =
          TinkProtoKeysetFormat.serializeKeysetWithoutSecret(privateKeyset.getPublicKeysetHandle());
      this.fingerprint = SecretSealing.fingerprint(publicKey);
    }

    /** A fresh key pair. */
    public static Recipient generate() {
      Registration.ensure();
      try {
        return new Recipient(
            KeysetHandle.generateNew(
                HpkeParameters.builder()
                    .setKemId(HpkeParameters.KemId.DHKEM_X25519_HKDF_SHA256)
                    .setKdfId(HpkeParameters.KdfId.HKDF_SHA256)
                    .setAeadId(HpkeParameters.AeadId.AES_256_GCM)
                    .setVariant(HpkeParameters.Variant.NO_PREFIX)
                    .build()));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("cannot make an HPKE key pair", e);
      }
    }

    /** The public half, as a binary Tink keyset without secret material. */
    public byte[] publicKey() {
      return publicKey.clone();
    }

    /** SHA-256 (hex) of {@link #publicKey()}. */
    public String fingerprint() {
      return fingerprint;
    }

    /**
     * Opens a value sealed to this key pair.
     *
     * @throws GeneralSecurityException when it was sealed to another key or for another secret
     */
    public String open(String org, String name, long version, byte[] ciphertext)
        throws GeneralSecurityException {
      return new String(
          decrypt.decrypt(ciphertext, context(org, name, version)), StandardCharsets.UTF_8);
    }

    /**
     * Opens a panel instance's invoke key sealed to this key pair.
     *
     * @throws GeneralSecurityException when it was sealed to another key or for another instance
     */
    public byte[] openInvokeKey(String org, String panel, String instance, byte[] ciphertext)
        throws GeneralSecurityException {
      return decrypt.decrypt(ciphertext, invokeKeyContext(org, panel, instance));
    }
  }

  /**
   * Seals {@code value} to {@code recipientPublicKey} (a gateway's {@link Recipient#publicKey()}).
   *
   * @throws GeneralSecurityException when the public key is not an HPKE public keyset
   */
  public static byte[] seal(
      byte[] recipientPublicKey, String org, String name, long version, String value)
      throws GeneralSecurityException {
    Registration.ensure();
    HybridEncrypt encrypt =
        TinkProtoKeysetFormat.parseKeysetWithoutSecret(recipientPublicKey)
            .getPrimitive(RegistryConfiguration.get(), HybridEncrypt.class);
    return encrypt.encrypt(value.getBytes(StandardCharsets.UTF_8), context(org, name, version));
  }

  /**
   * Whether {@code publicKey} is a public keyset values can be sealed to.
   *
   * @throws GeneralSecurityException naming why not
   */
  public static void checkPublicKey(byte[] publicKey) throws GeneralSecurityException {
    Registration.ensure();
    TinkProtoKeysetFormat.parseKeysetWithoutSecret(publicKey)
        .getPrimitive(RegistryConfiguration.get(), HybridEncrypt.class);
  }

  /** SHA-256 (hex) of a public key. */
  public static String fingerprint(byte[] publicKey) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(publicKey));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Seals a panel instance's invoke key to a gateway's public key, bound to the org, the panel and
   * the instance.
   *
   * @throws GeneralSecurityException when the public key is not an HPKE public keyset
   */
  public static byte[] sealInvokeKey(
      byte[] recipientPublicKey, String org, String panel, String instance, byte[] key)
      throws GeneralSecurityException {
    Registration.ensure();
    HybridEncrypt encrypt =
        TinkProtoKeysetFormat.parseKeysetWithoutSecret(recipientPublicKey)
            .getPrimitive(RegistryConfiguration.get(), HybridEncrypt.class);
    return encrypt.encrypt(key, invokeKeyContext(org, panel, instance));
  }

  static byte[] invokeKeyContext(String org, String panel, String instance) {
    return ("nexus-panel/" + org + "/" + panel + "/" + instance).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] context(String org, String name, long version) {
    return ("nexus-secret/" + org + "/" + name + "/" + version).getBytes(StandardCharsets.UTF_8);
  }
}
