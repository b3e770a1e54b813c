package io.nexusmesh.client;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Access tokens from an OIDC issuer's client-credentials grant (a service account), fetched on
 * first use and again shortly before each expires. The token endpoint is found through the issuer's
 * discovery document.
 */
public final class ClientCredentials implements Supplier<String> {
  private static final Duration EARLY = Duration.ofSeconds(30);

  private final URI issuer;
  private final String clientId;
  private final String clientSecret;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final Clock clock;
  private @Nullable URI tokenEndpoint;
  private @Nullable String token;
  private Instant refreshAt = Instant.MIN;

  /**
   * @param issuer the issuer URL, e.g. {@code https://keycloak.example/realms/nexus}
   */
  public ClientCredentials(URI issuer, String clientId, String clientSecret) {
    this(issuer, clientId, clientSecret, Clock.systemUTC());
  }

  ClientCredentials(URI issuer, String clientId, String clientSecret, Clock clock) {
    this.issuer = requireNonNull(issuer, "issuer");
    this.clientId = requireNonNull(clientId, "clientId");
    this.clientSecret = requireNonNull(clientSecret, "clientSecret");
    this.clock = requireNonNull(clock, "clock");
  }

  /** A valid access token, fetched when none is cached or the cached one is about to expire. */
  @Override
  public synchronized String get() {
    if (token == null || !clock.instant().isBefore(refreshAt)) {
      Struct answer =
          post(
              endpoint(),
              "grant_type=client_credentials&client_id="
                  + encode(clientId)
                  + "&client_secret="
                  + encode(clientSecret));
      token = answer.getFieldsOrThrow("access_token").getStringValue();
      long expiresIn =
          answer.containsFields("expires_in")
              ? (long) answer.getFieldsOrThrow("expires_in").getNumberValue()
              : 60;
      refreshAt = clock.instant().plusSeconds(expiresIn).minus(EARLY);
    }
    return token;
  }

  private URI endpoint() {
    if (tokenEndpoint == null) {
      Struct discovery = send(HttpRequest.newBuilder(discoveryUri()).GET());
      tokenEndpoint = URI.create(discovery.getFieldsOrThrow("token_endpoint").getStringValue());
    }
    return tokenEndpoint;
  }

  private URI discoveryUri() {
    String base = issuer.toString();
    return URI.create(
        (base.endsWith("/") ? base.substring(0, base.length() - 1) : base)
            + "/.well-known/openid-configuration");
  }

  private Struct post(URI uri, String form) {
    return send(
        HttpRequest.newBuilder(uri)
            .header("content-type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form)));
  }

  private Struct send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          http.send(
              request.timeout(Duration.ofSeconds(15)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            response.uri() + " answered " + response.statusCode() + ": " + response.body());
      }
      Struct.Builder json = Struct.newBuilder();
      JsonFormat.parser().ignoringUnknownFields().merge(response.body(), json);
      return json.build();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the issuer answered something that is not JSON", e);
    } catch (IOException e) {
      throw new UncheckedIOException("could not reach the issuer " + issuer, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking " + issuer + " for a token", e);
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
