package io.nexusmesh.runtime.auth;

import java.util.Optional;

/**
 * The hook through which a component accepts data-plane API keys: given a presented key (always
 * starting with {@link ApiKeys#PREFIX}), returns its principal, or empty when the key is unknown or
 * revoked. Implementations compare hashes, never plain secrets, and must not block: keys are
 * checked on the event loop.
 */
@FunctionalInterface
public interface ApiKeyVerifier {
  /** The principal of {@code presentedKey}, or empty when it is not a valid key. */
  Optional<Principal> verify(String presentedKey);
}
