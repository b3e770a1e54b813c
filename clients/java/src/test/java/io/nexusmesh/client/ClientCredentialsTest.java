package io.nexusmesh.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client-credentials provider against an HTTP server speaking OIDC discovery and the OAuth 2.0
 * token endpoint: one token per lifetime, a new one shortly before it expires.
 */
class ClientCredentialsTest {
  private final AtomicInteger issued = new AtomicInteger();
  private final List<String> forms = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private URI issuer;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    issuer = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/realms/nexus");
    server.createContext(
        "/realms/nexus/.well-known/openid-configuration",
        exchange ->
            answer(
                exchange,
                200,
                "{\"issuer\": \"" + issuer + "\", \"token_endpoint\": \"" + issuer + "/token\"}"));
    server.createContext(
        "/realms/nexus/token",
        exchange -> {
          String form =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          forms.add(form);
          if (!form.contains("client_secret=s3cret")) {
            answer(exchange, 401, "{\"error\": \"unauthorized_client\"}");
            return;
          }
          answer(
              exchange,
              200,
              "{\"access_token\": \"t" + issued.incrementAndGet() + "\", \"expires_in\": 300}");
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void fetchesOncePerLifetimeAndRefreshesBeforeExpiry() {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    Clock clock =
        new Clock() {
          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now.get();
          }
        };
    var credentials = new ClientCredentials(issuer, "gw-1", "s3cret", clock);
    assertThat(credentials.get()).isEqualTo("t1");
    now.set(now.get().plus(Duration.ofSeconds(200)));
    assertThat(credentials.get()).isEqualTo("t1");
    now.set(now.get().plus(Duration.ofSeconds(80))); // 280 s: within 30 s of expiry
    assertThat(credentials.get()).isEqualTo("t2");
    assertThat(forms.get(0)).contains("grant_type=client_credentials", "client_id=gw-1");
  }

  @Test
  void aRefusedClientIsAClearError() {
    var credentials = new ClientCredentials(issuer, "gw-1", "wrong");
    assertThat(catchThrowable(credentials::get))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("401")
        .hasMessageContaining("unauthorized_client");
  }

  private static void answer(HttpExchange exchange, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("content-type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
    exchange.close();
  }
}
