package io.nexusmesh.runtime.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.testing.KeycloakExtension;
import io.nexusmesh.testing.KeycloakServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link JwtVerifier} against a real Keycloak (realms from {@code keycloak-realms/}): its tokens
 * are accepted with their roles and org; another realm's, another audience's, expired and tampered
 * tokens are refused. Start-up: {@link KeycloakExtension} starts Keycloak once for the run; the
 * verifier discovers the realm's JWKS on first use.
 */
@ExtendWith(KeycloakExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JwtVerifierKeycloakIT {
  private final HttpClient http = HttpClient.newHttpClient();
  private KeycloakServer keycloak;
  private JwtVerifier verifier;

  @BeforeAll
  void setUp(KeycloakServer keycloak) {
    this.keycloak = keycloak;
    this.verifier =
        new JwtVerifier(
            new JwtVerifier.Options(
                keycloak.issuer("nexus"),
                null,
                Audiences.MANAGEMENT,
                "org",
                Duration.ZERO,
                Duration.ofSeconds(30)));
  }

  private String password(String realm, String client, String user) {
    return keycloak.passwordToken(realm, client, user, user + "-password");
  }

  private static ErrorReason refusal(Runnable verification) {
    var reason = new ErrorReason[1];
    assertThatThrownBy(verification::run)
        .isInstanceOfSatisfying(NexusException.class, e -> reason[0] = e.reason());
    return reason[0];
  }

  @Test
  void userTokenCarriesRolesAndOrg() throws Exception {
    Principal alice = verifier.verify(password("nexus", "nexus-cli", "alice"));
    assertThat(alice.org()).isEqualTo("acme");
    assertThat(alice.roles()).contains("admin");
    assertThat(alice.kind()).isEqualTo(PrincipalKind.USER);
    assertThat(alice.hasAudience(Audiences.MANAGEMENT)).isTrue();

    Principal bob = verifier.verify(password("nexus", "nexus-cli", "bob"));
    assertThat(bob.org()).isEqualTo("globex");
    Principal victor = verifier.verify(password("nexus", "nexus-cli", "victor"));
    assertThat(victor.roles()).contains("viewer").doesNotContain("admin");
  }

  @Test
  void serviceAccountTokenIsAService() throws Exception {
    Principal service =
        verifier.verify(
            keycloak.clientCredentialsToken("nexus", "nexus-service", "nexus-service-secret"));
    assertThat(service.kind()).isEqualTo(PrincipalKind.SERVICE);
    assertThat(service.org()).isEqualTo("acme");
    assertThat(service.roles()).contains("developer");
  }

  @Test
  void anotherRealmsTokenIsRefused() throws Exception {
    String foreign = password("other", "nexus-cli", "alice");
    assertThat(refusal(() -> verifier.verify(foreign)))
        .isEqualTo(ErrorReason.ERROR_REASON_CREDENTIALS_INVALID);
  }

  @Test
  void wrongAudienceIsRefused() throws Exception {
    String dataPlane = password("nexus", "nexus-gateway-cli", "alice");
    assertThat(refusal(() -> verifier.verify(dataPlane)))
        .isEqualTo(ErrorReason.ERROR_REASON_WRONG_AUDIENCE);
  }

  @Test
  void tamperedTokenIsRefused() throws Exception {
    String[] alice = password("nexus", "nexus-cli", "alice").split("\\.");
    String bobClaims = password("nexus", "nexus-cli", "bob").split("\\.")[1];
    String tampered = alice[0] + "." + bobClaims + "." + alice[2];
    assertThat(refusal(() -> verifier.verify(tampered)))
        .isEqualTo(ErrorReason.ERROR_REASON_CREDENTIALS_INVALID);
  }

  @Test
  void expiredTokenIsRefused() throws Exception {
    // The client's tokens live 5 s: whole seconds, so at least 4 s of validity, enough for the
    // first verification (which may fetch the JWKS) on a loaded machine; 1 s was not.
    String shortLived = password("nexus", "nexus-short-lived", "alice");
    assertThat(verifier.verify(shortLived).org()).isEqualTo("acme");
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(refusal(() -> verifier.verify(shortLived)))
                    .isEqualTo(ErrorReason.ERROR_REASON_CREDENTIALS_INVALID));
  }

  @Test
  void cliClientOffersTheDeviceGrant() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(keycloak.issuer("nexus") + "/protocol/openid-connect/auth/device"))
                .header("content-type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("client_id=nexus-cli"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(JSONObjectUtils.parse(response.body())).containsKeys("device_code", "user_code");
  }
}
