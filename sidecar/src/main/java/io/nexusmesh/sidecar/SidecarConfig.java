package io.nexusmesh.sidecar;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * How a sidecar runs, from environment variables ({@link #fromEnvironment}).
 *
 * @param controlPlane the control plane's URL ({@code NEXUS_CONTROL_PLANE_URL})
 * @param credential the panel's credential ({@code NEXUS_PANEL_CREDENTIAL}); the sidecar renews it
 * @param redisUrl the transactional bus ({@code NEXUS_REDIS_URL})
 * @param app where the user server listens: {@code http://127.0.0.1:8080} in a pod, or {@code
 *     unix:/path} for a socket that reaches it ({@code NEXUS_SIDECAR_APP})
 * @param meshPort the port SidecarService listens on for the mesh, 0 for any ({@code
 *     NEXUS_SIDECAR_PORT}, default 50051)
 * @param advertisedHost how gateways reach this host ({@code NEXUS_SIDECAR_ADVERTISE_HOST}, default
 *     127.0.0.1); the endpoint registered is {@code host:meshPort}
 * @param proxy where the bus proxy listens for the user code: a loopback port ({@code 3500}) or
 *     {@code unix:/path} ({@code NEXUS_SIDECAR_PROXY})
 * @param watchdogPort the idle watchdog's port, 0 for any, -1 for none ({@code
 *     NEXUS_SIDECAR_WATCHDOG_PORT}, default 9999)
 * @param idleTimeout how long a studio panel may go without a heartbeat ({@code
 *     NEXUS_SIDECAR_IDLE_TIMEOUT}, ISO-8601, default PT30M)
 * @param studio whether the panel runs in studio mode ({@code NEXUS_PANEL_MODE}: studio | app)
 * @param invokeKey the invoke key gateways must present, base64url ({@code
 *     NEXUS_SIDECAR_INVOKE_KEY}); empty for a random one per run
 */
public record SidecarConfig(
    URI controlPlane,
    String credential,
    String redisUrl,
    String app,
    int meshPort,
    String advertisedHost,
    String proxy,
    int watchdogPort,
    Duration idleTimeout,
    boolean studio,
    String invokeKey) {

  public SidecarConfig {
    requireNonNull(controlPlane, "controlPlane");
    requireNonNull(credential, "credential");
    requireNonNull(redisUrl, "redisUrl");
    requireNonNull(app, "app");
    requireNonNull(advertisedHost, "advertisedHost");
    requireNonNull(proxy, "proxy");
    requireNonNull(idleTimeout, "idleTimeout");
    requireNonNull(invokeKey, "invokeKey");
  }

  /** The settings from {@code env}; IllegalArgumentException naming a missing or bad one. */
  public static SidecarConfig fromEnvironment(Map<String, String> env) {
    return new SidecarConfig(
        URI.create(required(env, "NEXUS_CONTROL_PLANE_URL")),
        required(env, "NEXUS_PANEL_CREDENTIAL"),
        env.getOrDefault("NEXUS_REDIS_URL", "redis://127.0.0.1:6379"),
        env.getOrDefault("NEXUS_SIDECAR_APP", "http://127.0.0.1:8080"),
        integer(env, "NEXUS_SIDECAR_PORT", 50051),
        env.getOrDefault("NEXUS_SIDECAR_ADVERTISE_HOST", "127.0.0.1"),
        env.getOrDefault("NEXUS_SIDECAR_PROXY", "3500"),
        integer(env, "NEXUS_SIDECAR_WATCHDOG_PORT", 9999),
        Duration.parse(env.getOrDefault("NEXUS_SIDECAR_IDLE_TIMEOUT", "PT30M")),
        !"app".equalsIgnoreCase(env.getOrDefault("NEXUS_PANEL_MODE", "studio")),
        env.getOrDefault("NEXUS_SIDECAR_INVOKE_KEY", ""));
  }

  /** The bus proxy's Unix socket, when it listens on one (else it listens on a loopback port). */
  public Optional<String> proxySocket() {
    return proxy.startsWith("unix:")
        ? Optional.of(proxy.substring("unix:".length()))
        : Optional.empty();
  }

  private static String required(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " is not set");
    }
    return value;
  }

  private static int integer(Map<String, String> env, String name, int fallback) {
    String value = env.get(name);
    try {
      return value == null || value.isBlank() ? fallback : Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " is not a number: " + value, e);
    }
  }
}
