package io.nexusmesh.controlplane.deployment;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.client.grpc.GrpcClients;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.nexusmesh.api.controlplane.v1.Deployment;
import io.nexusmesh.api.controlplane.v1.GatewayRollout;
import io.nexusmesh.api.controlplane.v1.RolloutState;
import io.nexusmesh.api.gateway.v1.ApplyDeploymentRequest;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.api.gateway.v1.GatewayAdminServiceGrpc;
import io.nexusmesh.api.gateway.v1.GatewayAdminServiceGrpc.GatewayAdminServiceBlockingStub;
import io.nexusmesh.controlplane.config.ControlPlaneProperties;
import io.nexusmesh.controlplane.store.ApiKeyStore;
import io.nexusmesh.controlplane.store.DeploymentStore;
import io.nexusmesh.controlplane.store.GatewayStore;
import io.nexusmesh.controlplane.store.WorkflowStore;
import io.nexusmesh.runtime.error.NexusException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
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
 * Pushes deployments to gateways: each (deployment, gateway) pair is applied through the gateway's
 * GatewayAdminService on a virtual thread, retried with exponential backoff and full jitter while
 * the gateway is unreachable, and recorded per gateway as PENDING (with the last error), ACTIVE or
 * FAILED after the configured attempts. Each push carries everything the gateway needs, the hashes
 * of the organisation's active API keys included, so gateways never read this database.
 */
@Component
public class RolloutPusher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RolloutPusher.class);
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final DeploymentStore deployments;
  private final WorkflowStore workflows;
  private final ApiKeyStore apiKeys;
  private final GatewayStore gateways;
  private final DeploymentFeed feed;
  private final GatewayCredentials credentials;
  private final TransactionTemplate transactions;
  private final Clock clock;
  private final int maxAttempts;
  private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
  private final Map<String, GatewayAdminServiceBlockingStub> stubs = new ConcurrentHashMap<>();

  public RolloutPusher(
      DeploymentStore deployments,
      WorkflowStore workflows,
      ApiKeyStore apiKeys,
      GatewayStore gateways,
      DeploymentFeed feed,
      GatewayCredentials credentials,
      TransactionTemplate transactions,
      Clock clock,
      ControlPlaneProperties properties) {
    this.deployments = requireNonNull(deployments, "deployments");
    this.workflows = requireNonNull(workflows, "workflows");
    this.apiKeys = requireNonNull(apiKeys, "apiKeys");
    this.gateways = requireNonNull(gateways, "gateways");
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
      schedule(org, deployment.getId(), rollout.getGatewayId());
    }
  }

  /** Brings a gateway that (re)registered to every current deployment of its environment. */
  public void reconcile(String org, String gatewayId) {
    gateways
        .find(org, gatewayId)
        .ifPresent(
            gateway -> {
              for (var row : deployments.currentIn(org, gateway.gateway().getEnvironment())) {
                record(
                    org,
                    row.deployment().getId(),
                    gatewayId,
                    RolloutState.ROLLOUT_STATE_PENDING,
                    "",
                    0);
                schedule(org, row.deployment().getId(), gatewayId);
              }
            });
  }

  /** Pushes the organisation's current deployments again, so gateways learn its new key set. */
  public void refreshKeys(String org) {
    for (var row : deployments.currentAll(org)) {
      for (GatewayRollout rollout : row.deployment().getGatewaysList()) {
        schedule(org, row.deployment().getId(), rollout.getGatewayId());
      }
    }
  }

  private void schedule(String org, String deploymentId, String gatewayId) {
    workers.submit(() -> push(org, deploymentId, gatewayId));
  }

  private void push(String org, String deploymentId, String gatewayId) {
    for (int attempt = 1; ; attempt++) {
      Optional<DeploymentStore.Row> row = deployments.find(org, deploymentId);
      if (row.isEmpty() || row.get().superseded()) {
        return;
      }
      Optional<GatewayStore.Row> gateway = gateways.find(org, gatewayId);
      if (gateway.isEmpty()) {
        record(
            org,
            deploymentId,
            gatewayId,
            RolloutState.ROLLOUT_STATE_FAILED,
            "gateway is not registered",
            attempt);
        return;
      }
      try {
        stub(gateway.get().gateway().getAdminEndpoint())
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer()))
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .applyDeployment(request(row.get()));
        record(org, deploymentId, gatewayId, RolloutState.ROLLOUT_STATE_ACTIVE, "", attempt);
        return;
      } catch (StatusRuntimeException | NexusException e) {
        String reason = describe(e);
        if (attempt >= maxAttempts) {
          log.warn(
              "deployment {} failed on gateway {} after {} attempts: {}",
              deploymentId,
              gatewayId,
              attempt,
              reason);
          record(org, deploymentId, gatewayId, RolloutState.ROLLOUT_STATE_FAILED, reason, attempt);
          return;
        }
        record(org, deploymentId, gatewayId, RolloutState.ROLLOUT_STATE_PENDING, reason, attempt);
        if (!sleep(backoff(attempt))) {
          return;
        }
      }
    }
  }

  private ApplyDeploymentRequest request(DeploymentStore.Row row) {
    Deployment d = row.deployment();
    var version = workflows.getVersion(row.org(), d.getWorkflowId(), d.getVersion());
    String description =
        workflows.find(row.org(), d.getWorkflowId()).map(w -> w.getDescription()).orElse("");
    return ApplyDeploymentRequest.newBuilder()
        .setGeneration(row.generation())
        .setDeployment(
            DeployedWorkflow.newBuilder()
                .setDeploymentId(d.getId())
                .setOrg(row.org())
                .setWorkflowId(d.getWorkflowId())
                .setVersion(d.getVersion())
                .setDescription(description)
                .setSpec(version.getSpec())
                .addAllApiKeys(apiKeys.activeHashes(row.org())))
        .build();
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

  /** Stops pushing (pending retries are abandoned; a gateway's next registration reconciles it). */
  @Override
  public void close() {
    workers.shutdownNow();
  }
}
