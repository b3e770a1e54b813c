package io.nexusmesh.controlplane.xds;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.server.healthcheck.HealthCheckService;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.protobuf.services.HealthStatusManager;
import io.nexusmesh.runtime.auth.AuthInterceptor;
import io.nexusmesh.runtime.auth.Authenticator;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;

/**
 * The ADS endpoint (state of the world and delta) on its own port, so its streams, which last as
 * long as a client runs, are not cut by the management API's request timeout. Every stream needs a
 * credential ({@link AuthInterceptor}); {@link XdsClientStatuses} then checks that it may subscribe
 * and {@link SubscriberViews} picks what it is served. Started after the publisher has built the
 * first snapshots, stopped with the Spring context.
 */
public final class XdsServer implements SmartLifecycle {
  private static final int MAX_REQUEST_BYTES = 4 * 1024 * 1024;

  private final XdsProperties properties;
  private final V3DiscoveryServer discovery;
  private final Authenticator authenticator;
  private final MeshPublisher publisher;
  private volatile @Nullable Server server;

  public XdsServer(
      XdsProperties properties,
      V3DiscoveryServer discovery,
      Authenticator authenticator,
      MeshPublisher publisher) {
    this.properties = requireNonNull(properties, "properties");
    this.discovery = requireNonNull(discovery, "discovery");
    this.authenticator = requireNonNull(authenticator, "authenticator");
    this.publisher = requireNonNull(publisher, "publisher");
  }

  @Override
  public void start() {
    publisher.publishNow();
    HealthStatusManager health = new HealthStatusManager();
    GrpcService grpc =
        GrpcService.builder()
            .addService(discovery.getAggregatedDiscoveryServiceImpl())
            .addService(health.getHealthService())
            .intercept(new AuthInterceptor(authenticator))
            .maxRequestMessageLength(MAX_REQUEST_BYTES)
            // The views are built from the database on an organisation's first subscription.
            .useBlockingTaskExecutor(true)
            .build();
    Server built =
        Server.builder()
            .http(new InetSocketAddress(properties.host(), properties.port()))
            .requestTimeout(Duration.ZERO)
            .idleTimeout(Duration.ofMinutes(5))
            .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(1))
            .service(grpc)
            .service("/health", HealthCheckService.builder().build())
            .build();
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
