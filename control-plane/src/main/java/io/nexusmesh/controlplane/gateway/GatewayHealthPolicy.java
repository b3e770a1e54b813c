package io.nexusmesh.controlplane.gateway;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.api.controlplane.v1.Gateway;
import io.nexusmesh.api.controlplane.v1.GatewayHealth;
import io.nexusmesh.controlplane.config.ControlPlaneProperties;
import io.nexusmesh.controlplane.store.GatewayStore;
import java.time.Clock;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * When a gateway counts as alive: it sent a heartbeat (or registered) within three heartbeat
 * intervals. An unhealthy gateway is listed as such and is no push target until it registers or
 * sends a heartbeat again, so a dead gateway never holds up pushes to live ones.
 */
@Component
public class GatewayHealthPolicy {
  private static final int MISSED_HEARTBEATS = 3;

  private final Clock clock;
  private final Duration heartbeatInterval;

  public GatewayHealthPolicy(Clock clock, ControlPlaneProperties properties) {
    this.clock = requireNonNull(clock, "clock");
    this.heartbeatInterval = properties.gatewayHeartbeatInterval();
  }

  /** Whether the gateway's last heartbeat is recent enough. */
  public boolean healthy(GatewayStore.Row row) {
    return !row.lastHeartbeat()
        .plus(heartbeatInterval.multipliedBy(MISSED_HEARTBEATS))
        .isBefore(clock.instant());
  }

  /** The gateway with its health set. */
  public Gateway withHealth(GatewayStore.Row row) {
    return row.gateway().toBuilder()
        .setHealth(
            healthy(row)
                ? GatewayHealth.GATEWAY_HEALTH_HEALTHY
                : GatewayHealth.GATEWAY_HEALTH_UNHEALTHY)
        .build();
  }
}
