package io.nexusmesh.runtime.auth;

import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.runtime.error.NexusException;
import org.jspecify.annotations.Nullable;

/**
 * Authenticates {@code Authorization: Bearer <credential>}: a credential with the {@code nxk_}
 * prefix goes to the API-key verifier, anything else to the JWT verifier. A component that does not
 * accept one of the two passes null for it, and such credentials are refused.
 */
public final class BearerAuthenticator implements Authenticator {
  private static final String SCHEME = "bearer ";

  private final @Nullable JwtVerifier jwtVerifier;
  private final @Nullable ApiKeyVerifier apiKeyVerifier;

  public BearerAuthenticator(
      @Nullable JwtVerifier jwtVerifier, @Nullable ApiKeyVerifier apiKeyVerifier) {
    if (jwtVerifier == null && apiKeyVerifier == null) {
      throw new IllegalArgumentException(
          "at least one of jwtVerifier and apiKeyVerifier is needed");
    }
    this.jwtVerifier = jwtVerifier;
    this.apiKeyVerifier = apiKeyVerifier;
  }

  /**
   * Only a token may block (its issuer's keys may have to be fetched); API keys are checked in
   * memory, and a missing or malformed header is refused at once.
   */
  @Override
  public boolean mayBlock(@Nullable String authorization) {
    if (jwtVerifier == null
        || authorization == null
        || authorization.length() <= SCHEME.length()
        || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return false;
    }
    return !ApiKeys.looksLikeApiKey(authorization.substring(SCHEME.length()).trim());
  }

  @Override
  public Principal authenticate(@Nullable String authorization) {
    if (authorization == null || authorization.isBlank()) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_CREDENTIALS_MISSING,
          "missing credential: send 'Authorization: Bearer <token or API key>'");
    }
    if (authorization.length() <= SCHEME.length()
        || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_CREDENTIALS_INVALID,
          "unsupported authorization scheme (expected: Bearer)");
    }
    String credential = authorization.substring(SCHEME.length()).trim();
    if (ApiKeys.looksLikeApiKey(credential)) {
      if (apiKeyVerifier == null) {
        throw NexusException.of(
            ErrorReason.ERROR_REASON_WRONG_AUDIENCE, "API keys are not accepted by this service");
      }
      return apiKeyVerifier
          .verify(credential)
          .orElseThrow(
              () ->
                  NexusException.of(
                      ErrorReason.ERROR_REASON_CREDENTIALS_INVALID, "unknown or revoked API key"));
    }
    if (jwtVerifier == null) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_CREDENTIALS_INVALID,
          "only API keys are accepted by this service");
    }
    return jwtVerifier.verify(credential);
  }
}
