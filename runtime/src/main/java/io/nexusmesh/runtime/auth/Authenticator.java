package io.nexusmesh.runtime.auth;

import io.nexusmesh.runtime.error.NexusException;
import org.jspecify.annotations.Nullable;

/**
 * Turns the {@code Authorization} header of a request into a {@link Principal}, or refuses it with
 * an UNAUTHENTICATED {@link NexusException}. Implementations may block (e.g. to fetch a JWKS) when
 * {@link #mayBlock} says so: the server then runs them off the event loop.
 */
@FunctionalInterface
public interface Authenticator {
  /**
   * Authenticates a request.
   *
   * @param authorization the {@code Authorization} header value, or null when absent
   * @throws NexusException UNAUTHENTICATED when the credential is missing or not accepted
   */
  Principal authenticate(@Nullable String authorization);

  /**
   * Whether authenticating {@code authorization} may block the calling thread (a JWKS fetch, a
   * store lookup). When false, the server authenticates on the event loop; the default assumes it
   * may.
   */
  default boolean mayBlock(@Nullable String authorization) {
    return true;
  }
}
