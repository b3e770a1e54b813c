package io.nexusmesh.testing;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

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

  /** An access token for a user, by the password grant of a public client. */
  public String passwordToken(String realm, String client, String user, String password) {
    return token(
        realm,
        Map.of(
            "grant_type", "password",
            "client_id", client,
            "username", user,
            "password", password,
            "scope", "openid"));
  }

  /** An access token for a confidential client's service account. */
  public String clientCredentialsToken(String realm, String client, String secret) {
    return token(
        realm,
        Map.of("grant_type", "client_credentials", "client_id", client, "client_secret", secret));
  }

  private static final Pattern ACCESS_TOKEN =
      Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");

  private String token(String realm, Map<String, String> form) {
    String body =
        form.entrySet().stream()
            .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(tokenEndpoint(realm))
                  .header("content-type", "application/x-www-form-urlencoded")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      var matcher = ACCESS_TOKEN.matcher(response.body());
      if (response.statusCode() != 200 || !matcher.find()) {
        throw new IllegalStateException(
            "token request failed: " + response.statusCode() + " " + response.body());
      }
      return matcher.group(1);
    } catch (IOException e) {
      throw new IllegalStateException("token endpoint of realm " + realm + " not reachable", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
