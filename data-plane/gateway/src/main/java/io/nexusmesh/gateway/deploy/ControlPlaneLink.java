package io.nexusmesh.gateway.deploy;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
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
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
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
      String buildVersion,
      ByteString secretsPublicKey) {
    public Options {
      requireNonNull(controlPlaneUrl, "controlPlaneUrl");
      requireNonNull(token, "token");
      requireNonNull(gatewayId, "gatewayId");
      requireNonNull(environment, "environment");
      requireNonNull(adminEndpoint, "adminEndpoint");
      requireNonNull(buildVersion, "buildVersion");
      requireNonNull(secretsPublicKey, "secretsPublicKey");
    }
  }

  private final Options options;
  private final DeploymentRegistry registry;
  private final UsageMeter usage;
  private final GatewayServiceGrpc.GatewayServiceBlockingStub stub;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("nexus-control-plane-link").factory());
  private static final long MAX_UNREGISTERED_BACKOFF_MS = 1_000;
  private static final long MAX_BACKOFF_MS = 30_000;

  private volatile boolean registered;
  private volatile @Nullable String refusal;
  private volatile Duration heartbeatInterval = Duration.ofSeconds(10);
  private volatile int failures;
  private @Nullable ScheduledFuture<?> next;

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
  public synchronized void start() {
    next = timer.schedule(this::tick, 0, TimeUnit.MILLISECONDS);
  }

  /**
   * Tries to register now instead of at the next retry, e.g. once the control plane is known to be
   * up; does nothing once registered.
   */
  public synchronized void registerNow() {
    if (!registered && next != null && next.cancel(false)) {
      next = timer.schedule(this::tick, 0, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Why the control plane refused the last registration or heartbeat for good (a credential it does
   * not accept, a request it finds invalid), if it did; retries go on, but a person starting the
   * gateway should hear this at once.
   */
  public Optional<String> refusal() {
    return Optional.ofNullable(refusal);
  }

  /** Whether the control plane accepted our registration and answered the last heartbeat. */
  public boolean connected() {
    return registered && failures == 0;
  }

  /** Whether the control plane accepted our registration. */
  public boolean registered() {
    return registered;
  }

  private void tick() {
    long delay;
    try {
      if (!registered) {
        register();
      } else {
        heartbeat();
      }
      failures = 0;
      refusal = null;
      delay = heartbeatInterval.toMillis();
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code == Status.Code.NOT_FOUND) {
        registered = false;
      }
      if (code == Status.Code.UNAUTHENTICATED
          || code == Status.Code.PERMISSION_DENIED
          || code == Status.Code.INVALID_ARGUMENT) {
        refusal = code + ": " + e.getStatus().getDescription();
      }
      failures++;
      delay = backoff();
      log.warn(
          "control plane at {}: {} (retrying in {} ms)",
          options.controlPlaneUrl(),
          e.getStatus(),
          delay);
    } catch (RuntimeException e) {
      failures++;
      delay = backoff();
      log.warn(
          "control plane at {} unreachable (retrying in {} ms)",
          options.controlPlaneUrl(),
          delay,
          e);
    }
    synchronized (this) {
      if (!timer.isShutdown()) {
        next = timer.schedule(this::tick, delay, TimeUnit.MILLISECONDS);
      }
    }
  }

  /**
   * Backoff doubling from 100 ms: at most 1 s while never registered (the control plane may be
   * starting beside us), at most 30 s between failed heartbeats.
   */
  private long backoff() {
    long cap = registered ? MAX_BACKOFF_MS : MAX_UNREGISTERED_BACKOFF_MS;
    return Math.min(cap, 100L << Math.min(failures, 10));
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
                .setSecretsPublicKey(options.secretsPublicKey())
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
