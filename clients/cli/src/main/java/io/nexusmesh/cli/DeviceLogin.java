package io.nexusmesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The OAuth 2.0 device authorization grant (RFC 8628) against an OIDC issuer such as Keycloak:
 * shows the person a URL and a code, then polls the token endpoint until they approve. Written here
 * because the grant is two small HTTP exchanges and no OIDC client library on Maven Central offers
 * it without pulling in a web framework.
 */
final class DeviceLogin {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final URI issuer;
  private final String clientId;

  DeviceLogin(URI issuer, String clientId) {
    this.issuer = issuer;
    this.clientId = clientId;
  }

  /** Runs the grant, telling the person what to do on {@code prompt}; returns the access token. */
  String login(PrintStream prompt) throws IOException, InterruptedException {
    String base = issuer.toString().replaceAll("/+$", "");
    JsonNode discovery = get(URI.create(base + "/.well-known/openid-configuration"));
    URI deviceEndpoint = URI.create(required(discovery, "device_authorization_endpoint"));
    URI tokenEndpoint = URI.create(required(discovery, "token_endpoint"));

    JsonNode device = post(deviceEndpoint, "client_id=" + encode(clientId) + "&scope=openid");
    if (device.has("error")) {
      throw new IllegalStateException("the issuer refused the device login: " + describe(device));
    }
    String verify =
        device.hasNonNull("verification_uri_complete")
            ? device.get("verification_uri_complete").asText()
            : device.get("verification_uri").asText();
    prompt.println("Open " + verify + " and enter the code " + device.get("user_code").asText());
    long interval = Math.max(1, device.path("interval").asLong(5));
    long deadline =
        System.nanoTime() + Duration.ofSeconds(device.path("expires_in").asLong(600)).toNanos();
    String form =
        "grant_type="
            + encode("urn:ietf:params:oauth:grant-type:device_code")
            + "&device_code="
            + encode(device.get("device_code").asText())
            + "&client_id="
            + encode(clientId);
    while (System.nanoTime() < deadline) {
      Thread.sleep(Duration.ofSeconds(interval));
      JsonNode answer = post(tokenEndpoint, form);
      if (answer.hasNonNull("access_token")) {
        return answer.get("access_token").asText();
      }
      switch (answer.path("error").asText()) {
        case "authorization_pending" -> {}
        case "slow_down" -> interval += 5;
        default -> throw new IllegalStateException("login failed: " + describe(answer));
      }
    }
    throw new IllegalStateException("login expired before it was approved; run it again");
  }

  private JsonNode get(URI uri) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri).GET());
  }

  private JsonNode post(URI uri, String form) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(uri)
            .header("content-type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form)));
  }

  private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            request.timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(response.body());
  }

  private static String required(JsonNode node, String field) {
    if (!node.hasNonNull(field)) {
      throw new IllegalStateException("the issuer does not offer " + field);
    }
    return node.get(field).asText();
  }

  private static String describe(JsonNode error) {
    return error.path("error").asText() + " " + error.path("error_description").asText("");
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
