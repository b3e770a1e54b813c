package io.nexusmesh.testing;

import static java.util.Objects.requireNonNull;

import java.net.URI;

/**
 * A running Keycloak: its base URL and bootstrap admin. {@link #issuer} gives a realm's issuer URI,
 * the value of the {@code iss} claim of that realm's tokens.
 */
public record KeycloakServer(URI baseUri, String adminUser, String adminPassword) {
  public KeycloakServer {
    requireNonNull(baseUri, "baseUri");
    requireNonNull(adminUser, "adminUser");
    requireNonNull(adminPassword, "adminPassword");
  }

  /** The issuer of a realm, e.g. {@code http://127.0.0.1:8180/realms/nexus}. */
  public URI issuer(String realm) {
    return URI.create(baseUri + "/realms/" + realm);
  }

  /** A realm's token endpoint. */
  public URI tokenEndpoint(String realm) {
    return URI.create(issuer(realm) + "/protocol/openid-connect/token");
  }
}
