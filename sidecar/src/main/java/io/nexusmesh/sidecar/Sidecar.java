package io.nexusmesh.sidecar;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.nexusmesh.runtime.relay.HttpRelay;
import io.nexusmesh.runtime.server.NexusServer;
import io.nexusmesh.runtime.server.NexusServerOptions;
import io.nexusmesh.runtime.telemetry.Telemetry;
import io.nexusmesh.sidecar.invoke.InvokeKeyAuthenticator;
import io.nexusmesh.sidecar.invoke.SidecarGrpcService;
import io.nexusmesh.sidecar.invoke.ToolCaller;
import io.nexusmesh.sidecar.manifest.ManifestWatcher;
import io.nexusmesh.sidecar.mesh.MeshRegistration;
import io.nexusmesh.sidecar.proxy.BusProxy;
import io.nexusmesh.sidecar.proxy.ProxyServer;
import io.nexusmesh.sidecar.ui.PanelUiService;
import io.nexusmesh.sidecar.watchdog.IdleWatchdog;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * A running sidecar: the mesh server (SidecarService, health, {@code /ready}, metrics), the bus
 * proxy for the user code, the manifest watcher, the registration with the control plane and, in
 * studio mode, the idle watchdog. {@link #close()} withdraws the instance and stops everything, in
 * reverse order.
 */
public final class Sidecar implements AutoCloseable {
  private final PanelIdentity identity;
  private final PanelApp app;
  private final Server meshServer;
  private final Server proxyServer;
  private final @Nullable Server watchdogServer;
  private final @Nullable IdleWatchdog watchdog;
  private final ManifestWatcher manifests;
  private final MeshRegistration registration;
  private final RedissonClient redis;

  private Sidecar(
      PanelIdentity identity,
      PanelApp app,
      Server meshServer,
      Server proxyServer,
      @Nullable Server watchdogServer,
      @Nullable IdleWatchdog watchdog,
      ManifestWatcher manifests,
      MeshRegistration registration,
      RedissonClient redis) {
    this.identity = identity;
    this.app = app;
    this.meshServer = meshServer;
    this.proxyServer = proxyServer;
    this.watchdogServer = watchdogServer;
    this.watchdog = watchdog;
    this.manifests = manifests;
    this.registration = registration;
    this.redis = redis;
  }

  /**
   * Starts a sidecar for the panel named {@code panelName} (how it is called in logs until the
   * control plane names it).
   *
   * @param appToken the token the user server was started with (see {@link PanelApp})
   * @param onIdle what the studio watchdog does when the panel is idle too long
   */
  public static Sidecar start(
      SidecarConfig config, String panelName, String appToken, IdleWatchdog.IdleAction onIdle) {
    return start(config, panelName, appToken, onIdle, Telemetry.fromEnvironment("nexus-sidecar"));
  }

  /**
   * {@link #start(SidecarConfig, String, String, IdleWatchdog.IdleAction)} with {@code telemetry},
   * which the sidecar closes (sending its last spans) when it stops.
   */
  public static Sidecar start(
      SidecarConfig config,
      String panelName,
      String appToken,
      IdleWatchdog.IdleAction onIdle,
      Telemetry telemetry) {
    requireNonNull(config, "config");
    requireNonNull(telemetry, "telemetry");
    PanelIdentity identity =
        config.invokeKey().isEmpty() ? new PanelIdentity() : new PanelIdentity(config.invokeKey());
    PanelApp app = PanelApp.at(config.app(), appToken);
    Config redisConfig = new Config();
    redisConfig.useSingleServer().setAddress(config.redisUrl()).setConnectionMinimumIdleSize(1);
    RedissonClient redis = Redisson.create(redisConfig);

    MeshRegistration[] registration = new MeshRegistration[1];
    ManifestWatcher manifests =
        new ManifestWatcher(
            app,
            changed -> {
              if (registration[0] != null) {
                registration[0].reportSoon();
              }
            });
    var service =
        new SidecarGrpcService(
            manifests, new ToolCaller(app, panelName), panelName, telemetry.meterRegistry());
    ServerBuilder sb = Server.builder();
    NexusServer.configure(
        sb,
        NexusServerOptions.defaults("nexus-sidecar", config.meshPort())
            .withGracefulShutdown(Duration.ofMillis(200), Duration.ofSeconds(5)),
        List.of(service),
        new InvokeKeyAuthenticator(identity),
        telemetry);
    HttpRelay uiRelay = new HttpRelay();
    sb.serviceUnder(
        PanelUiService.PATH,
        new PanelUiService(new InvokeKeyAuthenticator(identity), app, uiRelay).service());
    sb.serverListener(
        new com.linecorp.armeria.server.ServerListenerAdapter() {
          @Override
          public void serverStopped(Server server) {
            uiRelay.close();
            telemetry.close(); // the last spans go out
          }
        });
    MeshRegistration[] registered = registration;
    // Readiness: the manifest was read and is valid, and the control plane knows the instance.
    sb.service(
        "/ready",
        (ctx, req) -> {
          var manifest = manifests.current();
          boolean ready = manifest.ready() && registered[0] != null && registered[0].registered();
          return HttpResponse.ofJson(
              ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE,
              Map.of(
                  "manifest", manifest.state().name(),
                  "message", manifest.message(),
                  "tools", manifest.tools().size(),
                  "registered", registered[0] != null && registered[0].registered()));
        });
    Server meshServer = sb.build();
    meshServer.start().join();
    int meshPort = meshServer.activeLocalPort();

    Server proxyServer =
        ProxyServer.build(
            new BusProxy(redis, identity), proxyPort(config.proxy()), config.proxySocket());
    proxyServer.start().join();

    IdleWatchdog watchdog = null;
    Server watchdogServer = null;
    if (config.studio() && config.watchdogPort() >= 0) {
      watchdog = new IdleWatchdog(config.idleTimeout(), onIdle, Clock.systemUTC());
      watchdogServer = watchdog.server(config.watchdogPort());
      watchdogServer.start().join();
    }

    registration[0] =
        new MeshRegistration(
            config.controlPlane(),
            config.credential(),
            identity,
            config.advertisedHost() + ":" + meshPort,
            manifests::current);
    registration[0].start();
    manifests.start();
    return new Sidecar(
        identity,
        app,
        meshServer,
        proxyServer,
        watchdogServer,
        watchdog,
        manifests,
        registration[0],
        redis);
  }

  private static int proxyPort(String proxy) {
    if (proxy.startsWith("unix:")) {
      return 0;
    }
    try {
      return Integer.parseInt(proxy);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "NEXUS_SIDECAR_PROXY: a loopback port or unix:/path, got " + proxy, e);
    }
  }

  /** This run's identity. */
  public PanelIdentity identity() {
    return identity;
  }

  /** The port SidecarService listens on. */
  public int meshPort() {
    return meshServer.activeLocalPort();
  }

  /** The bus proxy's loopback port (0 when it listens on a Unix socket). */
  public int proxyPort() {
    return proxyServer.activePorts().values().stream()
        .filter(p -> !p.localAddress().getClass().getSimpleName().contains("Domain"))
        .mapToInt(p -> p.localAddress().getPort())
        .findFirst()
        .orElse(0);
  }

  /** The watchdog's port, when it runs. */
  public Optional<Integer> watchdogPort() {
    return watchdogServer == null
        ? Optional.empty()
        : Optional.of(watchdogServer.activeLocalPort());
  }

  /** The watchdog, in studio mode. */
  public Optional<IdleWatchdog> watchdog() {
    return Optional.ofNullable(watchdog);
  }

  /** The manifest watcher. */
  public ManifestWatcher manifests() {
    return manifests;
  }

  /** Whether the control plane accepted the last report. */
  public boolean registered() {
    return registration.registered();
  }

  @Override
  public void close() {
    registration.close();
    manifests.close();
    if (watchdog != null) {
      watchdog.close();
    }
    if (watchdogServer != null) {
      watchdogServer.stop().join();
    }
    proxyServer.stop().join();
    meshServer.stop().join();
    redis.shutdown();
    app.close();
  }
}
