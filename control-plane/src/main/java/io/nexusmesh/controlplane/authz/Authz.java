package io.nexusmesh.controlplane.authz;

import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.runtime.auth.AuthContext;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;

/**
 * Checks the caller of the current call against a {@link Permission}. The organisation is not
 * checked here: every store query is scoped by the caller's org, so another org's resource is
 * simply not found.
 */
public final class Authz {
  private Authz() {}

  /**
   * The caller of the current gRPC call, if they hold {@code permission}; PERMISSION_DENIED
   * otherwise.
   */
  public static Principal require(Permission permission) {
    return require(AuthContext.principal(), permission);
  }

  /** {@code principal}, if they hold {@code permission}; PERMISSION_DENIED otherwise. */
  public static Principal require(Principal principal, Permission permission) {
    for (String role : permission.roles()) {
      if (principal.hasRole(role)) {
        return principal;
      }
    }
    throw NexusException.of(
            ErrorReason.ERROR_REASON_PERMISSION_DENIED,
            "this needs one of the roles " + permission.roles())
        .withMetadata("permission", permission.name());
  }
}
