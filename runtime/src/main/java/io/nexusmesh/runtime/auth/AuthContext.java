package io.nexusmesh.runtime.auth;

import io.grpc.Context;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.runtime.error.NexusException;

/** Where service code finds the {@link Principal} of the call it is serving. */
public final class AuthContext {
  static final Context.Key<Principal> PRINCIPAL = Context.key("nexus-principal");

  private AuthContext() {}

  /** The caller of the current gRPC call; fails UNAUTHENTICATED outside an authenticated call. */
  public static Principal principal() {
    Principal principal = PRINCIPAL.get();
    if (principal == null) {
      throw NexusException.of(ErrorReason.ERROR_REASON_CREDENTIALS_MISSING, "not authenticated");
    }
    return principal;
  }
}
