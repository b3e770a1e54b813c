package io.nexusmesh.controlplane.server;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.grpc.BindableService;
import io.nexusmesh.controlplane.console.DevAuthorizationServer;
import io.nexusmesh.runtime.auth.Authenticator;
import io.nexusmesh.runtime.server.NexusServer;
import io.nexusmesh.runtime.server.NexusServerOptions;
import io.nexusmesh.runtime.telemetry.Telemetry;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;

/**
 * The control plane's Armeria server, started and stopped with the Spring context. Built from the
 * shared recipe ({@link NexusServer}); in dev mode it also serves the dev issuer's discovery
 * document, JWKS and the console's sign-in endpoints.
 */
public class ControlPlaneServer implements SmartLifecycle {
  private final NexusServerOptions options;
  private final List<BindableService> services;
  private final Authenticator authenticator;
  private final Telemetry telemetry;
  private final TrustedIssuer issuer;
  private final List<HttpEndpoint> endpoints;
  private final Optional<DevAuthorizationServer> devSignIn;
  private volatile @Nullable Server server;

  public ControlPlaneServer(
      NexusServerOptions options,
      List<BindableService> services,
      Authenticator authenticator,
      Telemetry telemetry,
      TrustedIssuer issuer,
      List<HttpEndpoint> endpoints,
      Optional<DevAuthorizationServer> devSignIn) {
    this.options = requireNonNull(options, "options");
    this.services = List.copyOf(services);
    this.authenticator = requireNonNull(authenticator, "authenticator");
    this.telemetry = requireNonNull(telemetry, "telemetry");
    this.issuer = requireNonNull(issuer, "issuer");
    this.endpoints = List.copyOf(endpoints);
    this.devSignIn = requireNonNull(devSignIn, "devSignIn");
  }

  @Override
  public void start() {
    ServerBuilder sb = Server.builder();
    NexusServer.configure(sb, options, services, authenticator, telemetry);
    if (devSignIn.isPresent()) {
      devSignIn.get().serveOn(sb);
    } else {
      issuer.devIssuer().ifPresent(dev -> dev.serveOn(sb));
    }
    for (HttpEndpoint endpoint : endpoints) {
      if (endpoint.servesSubtree()) {
        sb.serviceUnder(endpoint.path(), endpoint.service());
      } else {
        sb.service(endpoint.path(), endpoint.service());
      }
    }
    Server built = sb.build();
    built.start().join();
    server = built;
  }

  @Override
  public void stop() {
    Server running = server;
    if (running != null) {
      running.stop().join();
      server = null;
    }
  }

  @Override
  public boolean isRunning() {
    return server != null;
  }

  /** The port it listens on. */
  public int port() {
    Server running = server;
    if (running == null) {
      throw new IllegalStateException("not running");
    }
    return running.activeLocalPort();
  }
}
