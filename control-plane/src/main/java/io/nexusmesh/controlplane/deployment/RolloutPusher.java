package io.nexusmesh.controlplane.deployment;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.client.DecoratingHttpClientFunction;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.nexusmesh.api.controlplane.v1.Deployment;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.GatewayRollout;
import io.nexusmesh.api.controlplane.v1.RolloutState;
import io.nexusmesh.api.gateway.v1.GatewayAdminServiceGrpc;
import io.nexusmesh.api.gateway.v1.GatewayAdminServiceGrpc.GatewayAdminServiceBlockingStub;
import io.nexusmesh.controlplane.config.ControlPlaneProperties;
import io.nexusmesh.controlplane.deployment.GatewayPushQueue.DeploymentPush;
import io.nexusmesh.controlplane.deployment.GatewayPushQueue.KeySetPush;
import io.nexusmesh.controlplane.deployment.GatewayPushQueue.Push;
import io.nexusmesh.controlplane.gateway.GatewayHealthPolicy;
import io.nexusmesh.controlplane.store.DeploymentStore;
import io.nexusmesh.controlplane.store.GatewayStore;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.runtime.telemetry.Telemetry;
import io.nexusmesh.runtime.telemetry.Tracing;
import io.opentelemetry.context.Context;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Pushes deployments and key sets to gateways through their GatewayAdminService. Each gateway has
 * its own {@link GatewayPushQueue}, so retries to an unreachable gateway (exponential backoff with
 * full jitter, up to the configured attempts) never delay another. A gateway that missed its
 * heartbeats is no push target: what it misses is sent when it registers or beats again ({@link
 * #catchUp}). Rollouts are recorded per gateway as PENDING (with the last error), ACTIVE or FAILED.
 * Every push carries the organisation's key set at its key generation, so gateways never read this
 * database and never take an older key set for a newer one.
 */
@Component
public class RolloutPusher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RolloutPusher.class);
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final Duration PUSH_DEADLINE = Duration.ofSeconds(10);
  private static final String UNHEALTHY =
      "gateway missed its heartbeats: pushed when it registers or beats again";

  private record GatewayKey(String org, String gatewayId) {}

  private final DeploymentStore deployments;
  private final GatewayStore gateways;
  private final PushRequests requests;
  private final GatewayHealthPolicy health;
  private final DeploymentFeed feed;
  private final GatewayCredentials credentials;
  private final TransactionTemplate transactions;
  private final Clock clock;
  private final int maxAttempts;
  // What gateways route by (panels' instances, the fleet) also goes out over xDS.
  private final io.nexusmesh.controlplane.xds.MeshChanges meshChanges;
  // A push runs in the trace of what caused it (a deployment's RPC), captured when it is queued.
  private final ExecutorService workers =
      Context.taskWrapping(Executors.newVirtualThreadPerTaskExecutor());
  private final DecoratingHttpClientFunction tracing;
  private final Map<GatewayKey, GatewayPushQueue> queues = new ConcurrentHashMap<>();
  private final Map<String, GatewayAdminServiceBlockingStub> stubs = new ConcurrentHashMap<>();

  public RolloutPusher(
      DeploymentStore deployments,
      GatewayStore gateways,
      PushRequests requests,
      GatewayHealthPolicy health,
      DeploymentFeed feed,
      GatewayCredentials credentials,
      TransactionTemplate transactions,
      Clock clock,
      ControlPlaneProperties properties,
      org.springframework.beans.factory.ObjectProvider<io.nexusmesh.controlplane.xds.MeshChanges>
          meshChanges,
      Telemetry telemetry) {
    this.tracing = Tracing.clientDecorator(telemetry.openTelemetry());
    this.meshChanges =
        meshChanges.getIfAvailable(() -> io.nexusmesh.controlplane.xds.MeshChanges.NONE);
    this.deployments = requireNonNull(deployments, "deployments");
    this.gateways = requireNonNull(gateways, "gateways");
    this.requests = requireNonNull(requests, "requests");
    this.health = requireNonNull(health, "health");
    this.feed = requireNonNull(feed, "feed");
    this.credentials = requireNonNull(credentials, "credentials");
    this.transactions = requireNonNull(transactions, "transactions");
    this.clock = requireNonNull(clock, "clock");
    this.maxAttempts = Math.max(1, properties.rolloutAttempts());
  }

  /** Rolls a newly committed deployment out to the gateways of its rollout. */
  public void rollOut(String org, Deployment deployment) {
    feed.publish(org, deployment);
    for (GatewayRollout rollout : deployment.getGatewaysList()) {
      queue(org, rollout.getGatewayId()).offer(new DeploymentPush(deployment.getId()));
    }
  }

  /**
   * Brings a gateway that (re)registered to its organisation's keys and every current deployment.
   */
  public void reconcile(String org, String gatewayId) {
    meshChanges.changed();
    gateways
        .find(org, gatewayId)
        .ifPresent(
            gateway -> {
              GatewayPushQueue queue = queue(org, gatewayId);
              var current = deployments.currentIn(org, gateway.gateway().getEnvironment());
              if (current.isEmpty()) {
                queue.offer(new KeySetPush()); // else the key set travels with each deployment
              }
              for (var row : current) {
                record(
                    org,
                    row.deployment().getId(),
                    gatewayId,
                    RolloutState.ROLLOUT_STATE_PENDING,
                    "",
                    0);
                queue.offer(new DeploymentPush(row.deployment().getId()));
              }
            });
  }

  /** Pushes the organisation's key set, as it is now, to each of its healthy gateways. */
  public void refreshKeys(String org) {
    meshChanges.changed();
    for (var gateway :
        gateways.list(org, Environment.ENVIRONMENT_UNSPECIFIED, "", GatewayStore.MAX_LISTED)) {
      if (health.healthy(gateway)) {
        queue(org, gateway.gateway().getId()).offer(new KeySetPush());
      }
    }
  }

  /**
   * Sends a gateway what its heartbeat shows it lacks: the key set when it holds an older key
   * generation than {@code keyGeneration}, and each current deployment of its environment it does
   * not serve.
   */
  public void catchUp(
      String org,
      GatewayStore.Row gateway,
      long heldKeyGeneration,
      long keyGeneration,
      Collection<String> servedDeploymentIds) {
    String gatewayId = gateway.gateway().getId();
    GatewayPushQueue queue = queue(org, gatewayId);
    Set<String> served = Set.copyOf(servedDeploymentIds);
    boolean pushed = false;
    for (var row : deployments.currentIn(org, gateway.gateway().getEnvironment())) {
      if (!served.contains(row.deployment().getId())) {
        log.info("gateway {} lacks deployment {}: pushing it", gatewayId, row.deployment().getId());
        queue.offer(new DeploymentPush(row.deployment().getId()));
        pushed = true;
      }
    }
    if (heldKeyGeneration < keyGeneration && !pushed) { // a deployment push carries the key set
      log.info(
          "gateway {} holds key generation {} of {} (current {}): pushing the key set",
          gatewayId,
          heldKeyGeneration,
          org,
          keyGeneration);
      queue.offer(new KeySetPush());
    }
  }

  /** Whether nothing waits to be pushed to the gateway and nothing is being sent to it. */
  public boolean idle(String org, String gatewayId) {
    GatewayPushQueue queue = queues.get(new GatewayKey(org, gatewayId));
    return queue == null || queue.idle();
  }

  private GatewayPushQueue queue(String org, String gatewayId) {
    return queues.computeIfAbsent(
        new GatewayKey(org, gatewayId),
        k -> new GatewayPushQueue(workers, push -> send(org, gatewayId, push)));
  }

  private void send(String org, String gatewayId, Push push) {
    String deploymentId = push instanceof DeploymentPush d ? d.deploymentId() : null;
    for (int attempt = 1; ; attempt++) {
      Optional<GatewayStore.Row> gateway = gateways.find(org, gatewayId);
      if (gateway.isEmpty()) {
        recordIf(
            deploymentId,
            org,
            gatewayId,
            RolloutState.ROLLOUT_STATE_FAILED,
            "gateway is not registered",
            attempt);
        return;
      }
      if (!health.healthy(gateway.get())) {
        recordIf(
            deploymentId,
            org,
            gatewayId,
            RolloutState.ROLLOUT_STATE_PENDING,
            UNHEALTHY,
            attempt - 1);
        return;
      }
      Optional<DeploymentStore.Row> row = Optional.empty();
      if (deploymentId != null) {
        row = deployments.find(org, deploymentId);
        if (row.isEmpty() || row.get().superseded()) {
          return;
        }
      }
      try {
        GatewayAdminServiceBlockingStub admin =
            stub(gateway.get().gateway().getAdminEndpoint())
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer()))
                .withDeadlineAfter(PUSH_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        long confirmed =
            row.isPresent()
                ? admin
                    .applyDeployment(requests.deployment(row.get(), gateway.get()))
                    .getAppliedKeyGeneration()
                : admin.applyKeySet(requests.keySet(org, gateway.get())).getAppliedKeyGeneration();
        gateways.confirmKeyGeneration(org, gatewayId, confirmed);
        recordIf(deploymentId, org, gatewayId, RolloutState.ROLLOUT_STATE_ACTIVE, "", attempt);
        return;
      } catch (StatusRuntimeException | NexusException e) {
        String reason = describe(e);
        if (attempt >= maxAttempts || !retriable(e)) {
          log.warn(
              "push {} failed on gateway {} after {} attempts: {}",
              push,
              gatewayId,
              attempt,
              reason);
          recordIf(
              deploymentId, org, gatewayId, RolloutState.ROLLOUT_STATE_FAILED, reason, attempt);
          return;
        }
        recordIf(deploymentId, org, gatewayId, RolloutState.ROLLOUT_STATE_PENDING, reason, attempt);
        if (!sleep(backoff(attempt))) {
          return;
        }
      }
    }
  }

  /** A gateway that refuses the push's content will refuse it again: no retry. */
  private static boolean retriable(RuntimeException e) {
    if (e instanceof StatusRuntimeException s) {
      Status.Code code = s.getStatus().getCode();
      return code != Status.Code.INVALID_ARGUMENT && code != Status.Code.FAILED_PRECONDITION;
    }
    return true;
  }

  private void recordIf(
      String deploymentId,
      String org,
      String gatewayId,
      RolloutState state,
      String reason,
      int attempts) {
    if (deploymentId != null) {
      record(org, deploymentId, gatewayId, state, reason, attempts);
    }
  }

  private void record(
      String org,
      String deploymentId,
      String gatewayId,
      RolloutState state,
      String reason,
      int attempts) {
    transactions.executeWithoutResult(
        status ->
            deployments.upsertRollout(
                org, deploymentId, gatewayId, state, reason, attempts, clock.instant()));
    deployments.find(org, deploymentId).ifPresent(row -> feed.publish(org, row.deployment()));
  }

  private GatewayAdminServiceBlockingStub stub(String endpoint) {
    return stubs.computeIfAbsent(
        endpoint,
        e ->
            GrpcClients.builder(e)
                .decorator(tracing)
                .build(GatewayAdminServiceGrpc.GatewayAdminServiceBlockingStub.class));
  }

  private Metadata bearer() {
    var headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + credentials.token());
    return headers;
  }

  private static String describe(RuntimeException e) {
    if (e instanceof StatusRuntimeException s) {
      String description = s.getStatus().getDescription();
      return s.getStatus().getCode() + (description == null ? "" : ": " + description);
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static Duration backoff(int attempt) {
    long cap =
        Math.min(MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(attempt - 1, 16));
    return Duration.ofMillis(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
  }

  private static boolean sleep(Duration delay) {
    try {
      Thread.sleep(delay);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Stops pushing (pending retries are abandoned; a gateway's next heartbeat catches it up). */
  @Override
  public void close() {
    workers.shutdownNow();
  }
}
