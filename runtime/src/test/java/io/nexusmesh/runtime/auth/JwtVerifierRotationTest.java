package io.nexusmesh.runtime.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.runtime.auth.DevTokenIssuer.TokenRequest;
import io.nexusmesh.runtime.error.NexusException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The verifier caches the issuer's JWKS, and picks up a rotated key when a token names a key id it
 * has not seen; a token of the retired key is then refused.
 */
class JwtVerifierRotationTest {
  private final AtomicReference<DevTokenIssuer> current = new AtomicReference<>();
  private final AtomicInteger jwksFetches = new AtomicInteger();
  private Server server;
  private URI issuerUri;

  @BeforeEach
  void start() {
    server =
        Server.builder()
            .http(0)
            .service(
                "/realm" + DevTokenIssuer.DISCOVERY_PATH,
                (ctx, req) ->
                    HttpResponse.of(HttpStatus.OK, MediaType.JSON, current.get().discoveryJson()))
            .service(
                "/realm" + DevTokenIssuer.JWKS_PATH,
                (ctx, req) -> {
                  jwksFetches.incrementAndGet();
                  return HttpResponse.of(HttpStatus.OK, MediaType.JSON, current.get().jwksJson());
                })
            .build();
    server.start().join();
    issuerUri = URI.create("http://127.0.0.1:" + server.activeLocalPort() + "/realm");
    current.set(DevTokenIssuer.create(issuerUri));
  }

  @AfterEach
  void stop() {
    server.stop().join();
  }

  private static String token(DevTokenIssuer issuer) {
    return issuer.mint(TokenRequest.user("alice", "acme", Audiences.MANAGEMENT, "admin"));
  }

  @Test
  void rotatedKeysArePickedUpAndKeysAreCached() {
    var verifier =
        new JwtVerifier(
            new JwtVerifier.Options(
                issuerUri,
                null,
                Audiences.MANAGEMENT,
                "org",
                Duration.ofSeconds(30),
                Duration.ZERO));
    DevTokenIssuer first = current.get();
    String oldToken = token(first);
    assertThat(verifier.verify(oldToken).org()).isEqualTo("acme");
    assertThat(verifier.verify(token(first)).subject()).isEqualTo("alice");
    assertThat(jwksFetches).as("the JWKS is cached").hasValue(1);

    current.set(DevTokenIssuer.create(issuerUri));
    assertThat(verifier.verify(token(current.get())).org()).isEqualTo("acme");
    assertThat(jwksFetches).hasValue(2);
    assertThatThrownBy(() -> verifier.verify(oldToken))
        .isInstanceOfSatisfying(
            NexusException.class,
            e -> assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_CREDENTIALS_INVALID));
  }
}
