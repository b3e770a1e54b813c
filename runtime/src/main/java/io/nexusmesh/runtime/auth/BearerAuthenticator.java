package io.nexusmesh.runtime.auth;

import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.runtime.error.NexusException;
import org.jspecify.annotations.Nullable;

/**
 * Authenticates {@code Authorization: Bearer <credential>}: panel ({@code nxp_}) and turn ({@code
 * nxt_}) credentials go to their verifiers, a credential with the {@code nxk_} prefix goes to the
 * API-key verifier, anything else to the JWT verifier. A component that does not accept one of the
 * two passes null for it, and such credentials are refused.
 */
public final class BearerAuthenticator implements Authenticator {
  private static final String SCHEME = "Bearer";

  private final @Nullable JwtVerifier jwtVerifier;
  private final @Nullable ApiKeyVerifier apiKeyVerifier;
  private final @Nullable ApiKeyVerifier panelVerifier;
  private final @Nullable ApiKeyVerifier turnVerifier;

  public BearerAuthenticator(
      @Nullable JwtVerifier jwtVerifier, @Nullable ApiKeyVerifier apiKeyVerifier) {
    this(jwtVerifier, apiKeyVerifier, null);
  }

  /**
   * @param panelVerifier checks panel credentials ({@code nxp_}); null where none is accepted
   */
  public BearerAuthenticator(
      @Nullable JwtVerifier jwtVerifier,
      @Nullable ApiKeyVerifier apiKeyVerifier,
      @Nullable ApiKeyVerifier panelVerifier) {
    this(jwtVerifier, apiKeyVerifier, panelVerifier, null);
  }

  /**
   * @param turnVerifier checks turn credentials ({@code nxt_}, in memory); null where none is
   *     accepted
   */
  public BearerAuthenticator(
      @Nullable JwtVerifier jwtVerifier,
      @Nullable ApiKeyVerifier apiKeyVerifier,
      @Nullable ApiKeyVerifier panelVerifier,
      @Nullable ApiKeyVerifier turnVerifier) {
    this.panelVerifier = panelVerifier;
    this.turnVerifier = turnVerifier;
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
    if (jwtVerifier == null || authorization == null) {
      return false;
    }
    String credential = credentialOrNull(authorization);
    if (credential != null && ApiKeys.looksLikePanelCredential(credential)) {
      return panelVerifier != null; // looked up in the store
    }
    if (credential != null && ApiKeys.looksLikeTurnCredential(credential)) {
      return false; // checked in memory
    }
    return credential != null && !credential.isEmpty() && !ApiKeys.looksLikeApiKey(credential);
  }

  /** The credential of a Bearer header (maybe empty), or null when the scheme is another. */
  private static @Nullable String credentialOrNull(String authorization) {
    String header = authorization.strip();
    int space = header.indexOf(' ');
    String scheme = space < 0 ? header : header.substring(0, space);
    if (!scheme.equalsIgnoreCase(SCHEME)) {
      return null;
    }
    return space < 0 ? "" : header.substring(space + 1).strip();
  }

  @Override
  public Principal authenticate(@Nullable String authorization) {
    if (authorization == null || authorization.isBlank()) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_CREDENTIALS_MISSING,
          "missing credential: send 'Authorization: Bearer <token or API key>'");
    }
    String credential = credentialOrNull(authorization);
    if (credential == null) {
      String scheme = authorization.strip().split("\\s+", 2)[0];
      throw NexusException.of(
          ErrorReason.ERROR_REASON_CREDENTIALS_INVALID,
          "unsupported authorization scheme '"
              + (scheme.length() > 20 ? scheme.substring(0, 20) + "..." : scheme)
              + "' (expected: Bearer)");
    }
    if (credential.isEmpty()) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_CREDENTIALS_MISSING,
          "empty bearer credential: send 'Authorization: Bearer <token or API key>'");
    }
    if (credential.chars().anyMatch(Character::isWhitespace)) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_CREDENTIALS_INVALID,
          "malformed bearer credential: a token or API key has no spaces");
    }
    if (ApiKeys.looksLikePanelCredential(credential)) {
      if (panelVerifier == null) {
        throw NexusException.of(
            ErrorReason.ERROR_REASON_WRONG_AUDIENCE,
            "panel credentials are not accepted by this service");
      }
      return panelVerifier
          .verify(credential)
          .orElseThrow(
              () ->
                  NexusException.of(
                      ErrorReason.ERROR_REASON_CREDENTIALS_INVALID,
                      "unknown, expired or revoked panel credential"));
    }
    if (ApiKeys.looksLikeTurnCredential(credential)) {
      if (turnVerifier == null) {
        throw NexusException.of(
            ErrorReason.ERROR_REASON_WRONG_AUDIENCE,
            "turn credentials are not accepted by this service");
      }
      return turnVerifier
          .verify(credential)
          .orElseThrow(
              () ->
                  NexusException.of(
                      ErrorReason.ERROR_REASON_CREDENTIALS_INVALID,
                      "unknown or expired turn credential"));
    }
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
    if (credential.chars().filter(c -> c == '.').count() != 2) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_CREDENTIALS_INVALID,
          "malformed bearer credential: neither a JWT (three dot-separated parts) nor an API key"
              + (apiKeyVerifier == null ? "" : " (nxk_...)"));
    }
    return jwtVerifier.verify(credential);
  }
}
