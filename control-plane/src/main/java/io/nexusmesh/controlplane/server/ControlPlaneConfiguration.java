package io.nexusmesh.controlplane.server;

import io.grpc.BindableService;
import io.nexusmesh.controlplane.config.ControlPlaneProperties;
import io.nexusmesh.controlplane.console.DevAuthorizationServer;
import io.nexusmesh.controlplane.panel.PanelCredentials;
import io.nexusmesh.controlplane.secret.SecretCipher;
import io.nexusmesh.controlplane.secret.SecretReencryption;
import io.nexusmesh.controlplane.store.SecretStore;
import io.nexusmesh.controlplane.telemetry.TraceReceiverHolder;
import io.nexusmesh.runtime.auth.Authenticator;
import io.nexusmesh.runtime.auth.BearerAuthenticator;
import io.nexusmesh.runtime.auth.JwtVerifier;
import io.nexusmesh.runtime.server.DependencyHealth;
import io.nexusmesh.runtime.server.NexusServerOptions;
import io.nexusmesh.runtime.telemetry.Telemetry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the control plane: who is trusted, how it serves, and its gRPC services. */
@Configuration(proxyBeanMethods = false)
public class ControlPlaneConfiguration {
  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  /**
   * Traces as the {@code OTEL_*} settings say; with none and a trace receiver of its own, the
   * control plane sends its spans there.
   */
  @Bean
  Telemetry telemetry(TraceReceiverHolder receiver) {
    return Telemetry.fromEnvironment(
        "nexus-control-plane",
        receiver
            .endpoint()
            .filter(e -> !Telemetry.tracesExporterConfigured())
            .map(Telemetry::exportingTo)
            .orElse(java.util.Map.of()));
  }

  /** The secrets keyset; re-encrypts what an older key encrypted before anything is served. */
  @Bean
  SecretCipher secretCipher(ControlPlaneProperties properties, SecretStore secrets) {
    SecretCipher cipher = SecretCipher.fromSettings(properties);
    new SecretReencryption(secrets, cipher).run();
    return cipher;
  }

  @Bean
  TrustedIssuer trustedIssuer(ControlPlaneProperties properties) {
    return TrustedIssuer.from(properties);
  }

  /**
   * OIDC tokens of the management audience, and panel credentials (which only PanelService's
   * sidecar RPCs accept); API keys belong to the data plane.
   */
  @Bean
  Authenticator authenticator(TrustedIssuer issuer, PanelCredentials panelCredentials) {
    return new BearerAuthenticator(
        new JwtVerifier(JwtVerifier.Options.of(issuer.issuer(), issuer.audience())),
        null,
        panelCredentials);
  }

  @Bean
  ControlPlaneServer controlPlaneServer(
      ControlPlaneProperties properties,
      List<BindableService> services,
      Authenticator authenticator,
      Telemetry telemetry,
      TrustedIssuer issuer,
      List<HttpEndpoint> endpoints,
      Optional<DevAuthorizationServer> devSignIn,
      DataSource dataSource) {
    return new ControlPlaneServer(
        NexusServerOptions.defaults("nexus-control-plane", properties.port())
            .withGracefulShutdown(
                Duration.ofSeconds(Math.min(2, properties.shutdownTimeout().toSeconds())),
                properties.shutdownTimeout())
            .withDependencies(DependencyHealth.none().with("database", () -> answers(dataSource))),
        services,
        authenticator,
        telemetry,
        issuer,
        endpoints,
        devSignIn);
  }

  /** Whether the database hands out a connection that answers, checked off the caller's thread. */
  private static CompletableFuture<Boolean> answers(DataSource dataSource) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (Connection connection = dataSource.getConnection()) {
            return connection.isValid(2);
          } catch (SQLException e) {
            return false;
          }
        });
  }
}
