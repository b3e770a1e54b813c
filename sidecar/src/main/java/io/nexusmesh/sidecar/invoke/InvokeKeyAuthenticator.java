package io.nexusmesh.sidecar.invoke;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.auth.Authenticator;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import io.nexusmesh.runtime.auth.ServiceRoles;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.sidecar.PanelIdentity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Admits only holders of this instance's invoke key ({@code Authorization: Bearer <key>}): the
 * control plane hands it, sealed, to the panel's organisation's gateways and to no one else, so
 * neither the user code nor another organisation can call the panel's tools through its sidecar.
 * Compared in constant time; never blocks.
 */
public final class InvokeKeyAuthenticator implements Authenticator {
  private final PanelIdentity identity;
  private final byte[] expected;

  public InvokeKeyAuthenticator(PanelIdentity identity) {
    this.identity = requireNonNull(identity, "identity");
    this.expected = ("Bearer " + identity.invokeKeyText()).getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public Principal authenticate(@Nullable String authorization) {
    if (authorization == null || authorization.isBlank()) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_CREDENTIALS_MISSING,
          "missing credential: a panel's sidecar answers only the mesh (its invoke key)");
    }
    if (!MessageDigest.isEqual(
        authorization.strip().getBytes(StandardCharsets.US_ASCII), expected)) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_CREDENTIALS_INVALID, "not this panel instance's invoke key");
    }
    String org = identity.named().map(PanelIdentity.Named::org).orElse(ServiceRoles.SYSTEM_ORG);
    return new Principal(
        "mesh",
        org,
        Set.of(ServiceRoles.GATEWAY),
        Set.of(Audiences.GATEWAY),
        PrincipalKind.SERVICE,
        Set.of());
  }

  @Override
  public boolean mayBlock(@Nullable String authorization) {
    return false;
  }
}
