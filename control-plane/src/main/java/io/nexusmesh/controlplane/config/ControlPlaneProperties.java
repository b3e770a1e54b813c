package io.nexusmesh.controlplane.config;

import io.nexusmesh.runtime.auth.Audiences;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the control plane, under {@code nexus.control-plane} (environment variables in {@code
 * application.yaml}).
 *
 * @param port the port of the Armeria server (gRPC, REST, gRPC-Web, docs, health, metrics)
 * @param devIssuer whether to run the built-in dev OIDC issuer and trust only it (dev mode)
 * @param oidc the OIDC issuer trusted when not in dev mode
 * @param home where local state lives (the dev issuer's key), {@code $NEXUS_HOME/control-plane}
 * @param gatewayHeartbeatInterval how often gateways send heartbeats; three missed ones mark a
 *     gateway unhealthy
 * @param shutdownTimeout the longest a graceful shutdown waits for in-flight calls and streams
 * @param gatewayToken the token presented to gateways when pushing deployments; minted by the dev
 *     issuer when unset in dev mode
 * @param rolloutAttempts how many times a deployment is pushed to an unreachable gateway before its
 *     rollout there is FAILED
 * @param secrets the key that encrypts organisation secrets at rest
 * @param console what the web console at {@code /console} is told: its OIDC client and the gateway
 *     it reaches for executions and sessions
 * @param traces the control plane's own OTLP trace receiver ({@code nexus dev} turns it on)
 */
@ConfigurationProperties("nexus.control-plane")
public record ControlPlaneProperties(
    @DefaultValue("8080") int port,
    @DefaultValue("false") boolean devIssuer,
    Oidc oidc,
    @DefaultValue("${user.home}/.nexus/control-plane") String home,
    @DefaultValue("10s") Duration gatewayHeartbeatInterval,
    @DefaultValue("15s") Duration shutdownTimeout,
    @Nullable String gatewayToken,
    @DefaultValue("8") int rolloutAttempts,
    @DefaultValue Secrets secrets,
    @DefaultValue Console console,
    @DefaultValue Traces traces) {

  /**
   * An OTLP receiver (gRPC and HTTP) that keeps the latest traces in memory for {@code
   * TraceService} and the console's waterfall: a laptop's answer to "where is my trace" without a
   * collector. It listens on loopback only and takes no credential, so it is off unless a port is
   * given; production exports to a real collector.
   *
   * @param receiverPort its port (0: any free one); negative: no receiver
   * @param keep how many traces it keeps (the least recently updated go first)
   */
  public record Traces(@DefaultValue("-1") int receiverPort, @DefaultValue("200") int keep) {}

  /**
   * Where the Tink AEAD keyset that encrypts secrets at rest comes from: the keyset itself (JSON,
   * e.g. from a Kubernetes Secret in an environment variable) or a file holding it. With neither,
   * the control plane makes a keyset file under {@code home} on first start (fine on a laptop; set
   * one of them in production). Rotate by adding a key and making it primary (Tinkey's {@code
   * rotate-keyset}): at start the control plane re-encrypts every secret under the primary key.
   */
  public record Secrets(@Nullable String keyset, @Nullable String keysetFile) {}

  /**
   * The web console's settings.
   *
   * @param clientId its OIDC client (a public client with PKCE, e.g. Keycloak's {@code
   *     nexus-console})
   * @param gatewayUrl the gateway URL browsers reach for executions and sessions; empty hides those
   *     pages
   */
  public record Console(
      @DefaultValue("nexus-console") String clientId, @DefaultValue("") String gatewayUrl) {}

  /** The trusted OIDC issuer (Keycloak's realm URL) and the audience its tokens must carry. */
  public record Oidc(
      @Nullable String issuer, @DefaultValue(Audiences.MANAGEMENT) String audience) {}

  /** The dev issuer's URL on this server: {@code http://127.0.0.1:<port>/dev-issuer}. */
  public String devIssuerUrl() {
    return "http://127.0.0.1:" + port + "/dev-issuer";
  }
}
