package io.nexusmesh.controlplane.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** Proof Key for Code Exchange (RFC 7636), method S256 only: the plain method proves nothing. */
final class Pkce {
  private Pkce() {}

  /** Whether {@code verifier} is the secret behind {@code challenge}. */
  static boolean verifies(String verifier, String challenge) {
    if (!verifier.matches("[A-Za-z0-9._~-]{43,128}")) {
      return false;
    }
    return MessageDigest.isEqual(
        challengeOf(verifier).getBytes(StandardCharsets.US_ASCII),
        challenge.getBytes(StandardCharsets.US_ASCII));
  }

  /** The S256 challenge of {@code verifier}. */
  static String challengeOf(String verifier) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256", e);
    }
  }
}
