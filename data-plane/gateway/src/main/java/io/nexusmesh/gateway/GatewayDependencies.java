package io.nexusmesh.gateway;

import io.nexusmesh.gateway.agent.AgentBus;
import io.nexusmesh.gateway.deploy.ControlPlaneLink;
import io.nexusmesh.runtime.server.DependencyHealth;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RedissonClient;

/**
 * What a gateway's health endpoints report: Redis (required: nothing runs without it); Kafka with a
 * semantic bus, and the control plane when the gateway registers with one (up while registered and
 * answering heartbeats), both optional: without them it serves on what it has, degraded.
 */
final class GatewayDependencies {
  private GatewayDependencies() {}

  /** Whether the gateway registers with a control plane (it may run without one). */
  static boolean registers(GatewayConfig config) {
    return config.controlPlaneUrl() != null && config.controlPlaneToken() != null;
  }

  /** The gateway's dependencies; {@code link} is set once the control-plane link exists. */
  static DependencyHealth of(
      GatewayConfig config,
      RedissonClient redis,
      @Nullable AgentBus bus,
      AtomicReference<@Nullable ControlPlaneLink> link) {
    DependencyHealth health =
        DependencyHealth.none()
            .with("redis", () -> redis.getBucket("nx:health").isExistsAsync().thenApply(e -> true));
    if (bus != null) {
      health = health.withOptional("kafka", bus::reachable);
    }
    if (registers(config)) {
      health =
          health.withOptional(
              "control-plane",
              () -> {
                ControlPlaneLink current = link.get();
                return CompletableFuture.completedFuture(current != null && current.connected());
              });
    }
    return health;
  }
}
