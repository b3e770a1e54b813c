package io.nexusmesh.gateway.deploy;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.Durations;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.GatewayServiceGrpc;
import io.nexusmesh.api.controlplane.v1.HeartbeatRequest;
import io.nexusmesh.api.controlplane.v1.RegisterGatewayRequest;
import io.nexusmesh.api.controlplane.v1.ReportUsageRequest;
import io.nexusmesh.gateway.usage.UsageMeter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's side of the control plane relationship: registers (retrying with backoff until the
 * control plane answers, so a gateway can start first), then sends heartbeats with its applied
 * generation, the key generation it holds and the deployments it serves (so the control plane
 * notices a missed push and sends it again), and usage reports. A heartbeat answered NOT_FOUND (the
 * control plane forgot us) registers again, which makes the control plane push the full desired
 * set.
 */
public final class ControlPlaneLink implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlPlaneLink.class);

  /** Who this gateway is and where the control plane is. */
  public record Options(
      String controlPlaneUrl,
      String token,
      String gatewayId,
      String environment,
      String adminEndpoint,
      String buildVersion) {
    public Options {
      requireNonNull(controlPlaneUrl, "controlPlaneUrl");
      requireNonNull(token, "token");
      requireNonNull(gatewayId, "gatewayId");
      requireNonNull(environment, "environment");
      requireNonNull(adminEndpoint, "adminEndpoint");
      requireNonNull(buildVersion, "buildVersion");
    }
  }

  private final Options options;
  private final DeploymentRegistry registry;
  private final UsageMeter usage;
  private final GatewayServiceGrpc.GatewayServiceBlockingStub stub;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("nexus-control-plane-link").factory());
  private volatile boolean registered;
  private volatile Duration heartbeatInterval = Duration.ofSeconds(10);
  private int failures;

  public ControlPlaneLink(Options options, DeploymentRegistry registry, UsageMeter usage) {
    this.options = requireNonNull(options, "options");
    this.registry = requireNonNull(registry, "registry");
    this.usage = requireNonNull(usage, "usage");
    this.stub =
        GrpcClients.builder(options.controlPlaneUrl())
            .auth(com.linecorp.armeria.common.auth.AuthToken.ofOAuth2(options.token()))
            .responseTimeout(Duration.ofSeconds(10))
            .build(GatewayServiceGrpc.GatewayServiceBlockingStub.class);
  }

  /** Starts registering in the background. */
  public void start() {
    timer.execute(this::tick);
  }

  /** Whether the control plane accepted our registration. */
  public boolean registered() {
    return registered;
  }

  private void tick() {
    long next;
    try {
      if (!registered) {
        register();
      } else {
        heartbeat();
      }
      failures = 0;
      next = heartbeatInterval.toMillis();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        registered = false;
      }
      failures++;
      next = Math.min(30_000, 250L << Math.min(failures, 7));
      log.warn(
          "control plane at {}: {} (retrying in {} ms)",
          options.controlPlaneUrl(),
          e.getStatus(),
          next);
    } catch (RuntimeException e) {
      failures++;
      next = Math.min(30_000, 250L << Math.min(failures, 7));
      log.warn(
          "control plane at {} unreachable (retrying in {} ms)",
          options.controlPlaneUrl(),
          next,
          e);
    }
    if (!timer.isShutdown()) {
      timer.schedule(this::tick, next, TimeUnit.MILLISECONDS);
    }
  }

  private void register() {
    var response =
        stub.registerGateway(
            RegisterGatewayRequest.newBuilder()
                .setGatewayId(options.gatewayId())
                .setEnvironment(
                    Environment.valueOf(
                        "ENVIRONMENT_" + options.environment().toUpperCase(Locale.ROOT)))
                .setAdminEndpoint(options.adminEndpoint())
                .setBuildVersion(options.buildVersion())
                .build());
    if (response.hasHeartbeatInterval()) {
      heartbeatInterval =
          Duration.ofMillis(Math.max(100, Durations.toMillis(response.getHeartbeatInterval())));
    }
    registered = true;
    log.info(
        "registered with the control plane at {} as {}",
        options.controlPlaneUrl(),
        options.gatewayId());
  }

  private void heartbeat() {
    stub.heartbeat(
        HeartbeatRequest.newBuilder()
            .setGatewayId(options.gatewayId())
            .setAppliedGeneration(registry.appliedGeneration())
            .putAllKeyGenerations(registry.keyGenerations())
            .addAllDeploymentIds(registry.deploymentIds())
            .build());
    var records = usage.drain();
    if (!records.isEmpty()) {
      try {
        stub.reportUsage(
            ReportUsageRequest.newBuilder()
                .setGatewayId(options.gatewayId())
                .addAllRecords(records)
                .build());
      } catch (RuntimeException e) {
        usage.restore(records);
        throw e;
      }
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
