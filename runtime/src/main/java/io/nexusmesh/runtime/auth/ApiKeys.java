package io.nexusmesh.runtime.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The format of data-plane API keys: {@code nxk_<id>_<secret>}. The recognisable {@code nxk_}
 * prefix keeps keys apart from JWTs (and lets secret scanners find leaked keys); the id lets a
 * verifier find the stored hash without scanning; only the SHA-256 of the whole key is stored.
 */
public final class ApiKeys {
  /** Every API key starts with this. */
  public static final String PREFIX = "nxk_";

  /**
   * Every panel credential (a panel's sidecar's, issued by the control plane) starts with this; it
   * has the API keys' format otherwise.
   */
  public static final String PANEL_PREFIX = "nxp_";

  /** The prefix of a turn credential: an agent's turn acting with its session owner's rights. */
  public static final String TURN_PREFIX = "nxt_";

  private static final Pattern FORMAT =
      Pattern.compile("^nx[kp]_([a-z0-9]{8,32})_([A-Za-z0-9]{32,64})$");
  private static final String ALPHABET =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeys() {}

  /** A newly minted key: its id (safe to show and log) and its full secret (shown once). */
  public record NewKey(String id, String secret, String sha256) {}

  /** Mints a key with a random id and 43 random base62 characters (> 256 bits). */
  public static NewKey generate() {
    return generate(PREFIX);
  }

  /** Mints a key of this format with {@code prefix} ({@link #PREFIX} or {@link #PANEL_PREFIX}). */
  public static NewKey generate(String prefix) {
    String id = randomString(12, "0123456789abcdefghijklmnopqrstuvwxyz");
    String secret = prefix + id + "_" + randomString(43, ALPHABET);
    return new NewKey(id, secret, sha256Hex(secret));
  }

  /** Whether {@code credential} is shaped like an API key (as opposed to a JWT). */
  public static boolean looksLikeApiKey(String credential) {
    return credential.startsWith(PREFIX);
  }

  /** Whether {@code credential} is shaped like a turn credential. */
  public static boolean looksLikeTurnCredential(String credential) {
    return credential.startsWith(TURN_PREFIX);
  }

  /** Whether {@code credential} is shaped like a panel credential. */
  public static boolean looksLikePanelCredential(String credential) {
    return credential.startsWith(PANEL_PREFIX);
  }

  /** The id inside a well-formed key (or panel credential), or empty when it is malformed. */
  public static Optional<String> idOf(String key) {
    var matcher = FORMAT.matcher(key);
    return matcher.matches() ? Optional.of(matcher.group(1)) : Optional.empty();
  }

  /** Hex SHA-256 of a key: what is stored and shipped to gateways. */
  public static String sha256Hex(String key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  /** Compares a presented key with a stored hash in constant time. */
  public static boolean matches(String presentedKey, String storedSha256Hex) {
    byte[] presented = sha256Hex(presentedKey).getBytes(StandardCharsets.US_ASCII);
    byte[] stored = storedSha256Hex.getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(presented, stored);
  }

  private static String randomString(int length, String alphabet) {
    var out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      out.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return out.toString();
  }
}
