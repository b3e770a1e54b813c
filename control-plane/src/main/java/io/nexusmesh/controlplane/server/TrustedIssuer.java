package io.nexusmesh.controlplane.server;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.controlplane.config.ControlPlaneProperties;
import io.nexusmesh.runtime.auth.DevTokenIssuer;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The OIDC issuer whose tokens the control plane accepts: the configured one (Keycloak), or in dev
 * mode the built-in dev issuer, served on the control plane's own port and verified through the
 * same JWKS code path. The dev issuer's key is kept in the control plane's home so tokens survive
 * restarts.
 */
public record TrustedIssuer(URI issuer, String audience, Optional<DevTokenIssuer> devIssuer) {
  public TrustedIssuer {
    requireNonNull(issuer, "issuer");
    requireNonNull(audience, "audience");
    requireNonNull(devIssuer, "devIssuer");
  }

  /** The issuer the properties describe. */
  public static TrustedIssuer from(ControlPlaneProperties properties) {
    String audience = properties.oidc().audience();
    if (properties.devIssuer()) {
      URI issuer = URI.create(properties.devIssuerUrl());
      return new TrustedIssuer(
          issuer, audience, Optional.of(devIssuer(issuer, Path.of(properties.home()))));
    }
    String issuer = properties.oidc().issuer();
    if (issuer == null || issuer.isBlank()) {
      throw new IllegalStateException(
          "set nexus.control-plane.oidc.issuer (NEXUS_OIDC_ISSUER) or enable the dev issuer"
              + " (NEXUS_DEV_ISSUER=true)");
    }
    return new TrustedIssuer(URI.create(issuer), audience, Optional.empty());
  }

  private static DevTokenIssuer devIssuer(URI issuer, Path home) {
    return DevTokenIssuer.loadOrCreate(issuer, home.resolve("dev-issuer-key.json"));
  }
}
