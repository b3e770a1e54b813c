package io.nexusmesh.controlplane.deployment;

import io.nexusmesh.controlplane.config.ControlPlaneProperties;
import io.nexusmesh.controlplane.server.TrustedIssuer;
import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.auth.DevTokenIssuer;
import io.nexusmesh.runtime.auth.DevTokenIssuer.TokenRequest;
import io.nexusmesh.runtime.auth.ServiceRoles;
import io.nexusmesh.runtime.error.NexusException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * The credential the control plane presents to gateways' admin service: a gateway-audience token
 * with the {@code control-plane} role. With the dev issuer it mints its own (refreshed before they
 * expire); with Keycloak it uses the token configured as {@code nexus.control-plane.gateway-token}
 * (NEXUS_CONTROL_PLANE_GATEWAY_TOKEN), e.g. obtained by the client-credentials grant of the control
 * plane's service account.
 */
@Component
public class GatewayCredentials {
  private static final Duration TTL = Duration.ofHours(1);

  private final Optional<DevTokenIssuer> devIssuer;
  private final @Nullable String configured;
  private @Nullable String minted;
  private Instant mintedAt = Instant.EPOCH;

  public GatewayCredentials(TrustedIssuer issuer, ControlPlaneProperties properties) {
    this.devIssuer = issuer.devIssuer();
    this.configured = properties.gatewayToken();
  }

  /** A token to call gateways with; UNAVAILABLE when none is configured. */
  public synchronized String token() {
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    if (devIssuer.isEmpty()) {
      throw NexusException.of(
          io.nexusmesh.api.common.v1.ErrorReason.ERROR_REASON_UNAVAILABLE,
          "no credential for gateways: set NEXUS_CONTROL_PLANE_GATEWAY_TOKEN");
    }
    if (minted == null || mintedAt.plus(TTL.dividedBy(2)).isBefore(Instant.now())) {
      minted =
          devIssuer
              .get()
              .mint(
                  TokenRequest.service(
                      "service-account-nexus-control-plane",
                      ServiceRoles.SYSTEM_ORG,
                      Audiences.GATEWAY,
                      TTL,
                      ServiceRoles.CONTROL_PLANE));
      mintedAt = Instant.now();
    }
    return minted;
  }
}
