package io.nexusmesh.launcher;

import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.auth.DevTokenIssuer;
import io.nexusmesh.runtime.auth.ServiceRoles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Mints tokens with the dev issuer's key, which the control plane keeps in its home: the same
 * tokens the dev issuer would sign, verified by every component through its JWKS.
 */
final class DevTokens {
  private final DevTokenIssuer issuer;

  private DevTokens(DevTokenIssuer issuer) {
    this.issuer = issuer;
  }

  /**
   * The dev issuer of {@code settings}, creating its key when this home has none yet (the dev
   * control plane then signs with the same key).
   */
  static DevTokens ensure(DevSettings settings) {
    return new DevTokens(
        DevTokenIssuer.loadOrCreate(
            URI.create(settings.issuerUrl()),
            settings.controlPlaneHome().resolve("dev-issuer-key.json")));
  }

  /** The dev issuer of {@code settings}; its key exists once the dev control plane has started. */
  static DevTokens of(DevSettings settings) {
    Path keyFile = settings.controlPlaneHome().resolve("dev-issuer-key.json");
    if (!Files.exists(keyFile)) {
      throw new IllegalStateException(
          "no dev issuer key at " + keyFile + ": start the stack once with `./nexus dev`");
    }
    try {
      return new DevTokens(
          DevTokenIssuer.withKey(URI.create(settings.issuerUrl()), Files.readString(keyFile)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + keyFile, e);
    }
  }

  /** A person's token of {@code org} with {@code roles} for {@code audience}, valid 12 hours. */
  String user(String subject, String org, String audience, String... roles) {
    return issuer.mint(DevTokenIssuer.TokenRequest.user(subject, org, audience, roles));
  }

  /** The dev gateway's service-account token (role {@code gateway}), valid 30 days. */
  String gateway(String org) {
    return gateway(org, "gw-dev");
  }

  /**
   * The service-account token (role {@code gateway}, valid 30 days) of gateway {@code gatewayId} of
   * {@code org}: what {@code NEXUS_GATEWAY_TOKEN} of a gateway joining the dev stack holds.
   */
  String gateway(String org, String gatewayId) {
    return issuer.mint(
        DevTokenIssuer.TokenRequest.service(
            "service-account-" + gatewayId,
            org,
            Audiences.MANAGEMENT,
            Duration.ofDays(30),
            ServiceRoles.GATEWAY));
  }
}
