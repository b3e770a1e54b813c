package io.nexusmesh.runtime.server;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * How a Nexus Mesh component serves: its name (in logs, traces and metrics), port, the browser
 * origins allowed by CORS, limits, and the graceful-shutdown window.
 *
 * @param component the component's name, e.g. {@code nexus-control-plane}
 * @param port the TCP port; 0 picks a free one
 * @param corsOrigins origins allowed to call from browsers; empty allows any origin
 * @param maxRequestBytes the largest accepted request body (and gRPC message)
 * @param requestTimeout how long a unary request may take; streams are exempt
 * @param gracefulQuietPeriod how long the server waits for in-flight requests to stop coming
 * @param gracefulTimeout the longest a shutdown may take
 * @param dependencies what the component depends on, reported by its health endpoints
 */
public record NexusServerOptions(
    String component,
    int port,
    List<String> corsOrigins,
    int maxRequestBytes,
    Duration requestTimeout,
    Duration gracefulQuietPeriod,
    Duration gracefulTimeout,
    DependencyHealth dependencies) {

  public NexusServerOptions {
    requireNonNull(component, "component");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
    }
    corsOrigins = List.copyOf(requireNonNull(corsOrigins, "corsOrigins"));
    if (maxRequestBytes <= 0) {
      throw new IllegalArgumentException(
          "maxRequestBytes: " + maxRequestBytes + " (expected: > 0)");
    }
    requireNonNull(requestTimeout, "requestTimeout");
    requireNonNull(gracefulQuietPeriod, "gracefulQuietPeriod");
    requireNonNull(gracefulTimeout, "gracefulTimeout");
    requireNonNull(dependencies, "dependencies");
  }

  /** Defaults: any CORS origin, 4 MiB requests, 30 s timeout, 2 s quiet period, 15 s shutdown. */
  public static NexusServerOptions defaults(String component, int port) {
    return new NexusServerOptions(
        component,
        port,
        List.of(),
        4 * 1024 * 1024,
        Duration.ofSeconds(30),
        Duration.ofSeconds(2),
        Duration.ofSeconds(15),
        DependencyHealth.none());
  }

  /** A copy with another graceful-shutdown window (tests use a short one). */
  public NexusServerOptions withGracefulShutdown(Duration quietPeriod, Duration timeout) {
    return new NexusServerOptions(
        component,
        port,
        corsOrigins,
        maxRequestBytes,
        requestTimeout,
        quietPeriod,
        timeout,
        dependencies);
  }

  /** A copy whose health endpoints report {@code dependencies}. */
  public NexusServerOptions withDependencies(DependencyHealth dependencies) {
    return new NexusServerOptions(
        component,
        port,
        corsOrigins,
        maxRequestBytes,
        requestTimeout,
        gracefulQuietPeriod,
        gracefulTimeout,
        dependencies);
  }
}
