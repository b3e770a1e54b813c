package io.nexusmesh.controlplane.gateway;

import static io.nexusmesh.controlplane.Unary.reply;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import com.linecorp.armeria.server.annotation.Blocking;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.controlplane.v1.Gateway;
import io.nexusmesh.api.controlplane.v1.GatewayServiceGrpc;
import io.nexusmesh.api.controlplane.v1.HeartbeatRequest;
import io.nexusmesh.api.controlplane.v1.HeartbeatResponse;
import io.nexusmesh.api.controlplane.v1.ListGatewaysRequest;
import io.nexusmesh.api.controlplane.v1.ListGatewaysResponse;
import io.nexusmesh.api.controlplane.v1.ListWorkflowUsageRequest;
import io.nexusmesh.api.controlplane.v1.ListWorkflowUsageResponse;
import io.nexusmesh.api.controlplane.v1.RegisterGatewayRequest;
import io.nexusmesh.api.controlplane.v1.RegisterGatewayResponse;
import io.nexusmesh.api.controlplane.v1.ReportUsageRequest;
import io.nexusmesh.api.controlplane.v1.ReportUsageResponse;
import io.nexusmesh.controlplane.authz.Authz;
import io.nexusmesh.controlplane.authz.Permission;
import io.nexusmesh.controlplane.config.ControlPlaneProperties;
import io.nexusmesh.controlplane.deployment.CanaryGuard;
import io.nexusmesh.controlplane.deployment.RolloutPusher;
import io.nexusmesh.controlplane.store.ApiKeyStore;
import io.nexusmesh.controlplane.store.DeploymentStore;
import io.nexusmesh.controlplane.store.GatewayStore;
import io.nexusmesh.controlplane.store.Mutations;
import io.nexusmesh.controlplane.store.Mutations.Change;
import io.nexusmesh.controlplane.store.PageTokens;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import io.nexusmesh.runtime.error.FieldViolation;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.runtime.secrets.SecretSealing;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import org.springframework.stereotype.Component;

/**
 * {@code nexus.controlplane.v1.GatewayService}: the gateway registry of each organisation. Gateways
 * call Register, Heartbeat and ReportUsage with their service account's token (role {@code
 * gateway}; a person's token is refused even with that role). Registration is audited; heartbeats
 * and usage reports are liveness and metering, not governed changes, so they are not. A gateway
 * that missed three heartbeats is listed as unhealthy ({@link GatewayHealthPolicy}). A gateway that
 * (re)registers is reconciled: its organisation's key set and every current deployment of its
 * environment are pushed to it; a heartbeat that shows an older key generation or a missing
 * deployment gets those pushed.
 */
@Component
@Blocking
public class GatewayGrpcService extends GatewayServiceGrpc.GatewayServiceImplBase {
  private final GatewayStore store;
  private final DeploymentStore deployments;
  private final ApiKeyStore apiKeys;
  private final RolloutPusher pusher;
  private final GatewayHealthPolicy health;
  private final Mutations mutations;
  private final Clock clock;
  private final Duration heartbeatInterval;
  private final CanaryGuard canaries;

  public GatewayGrpcService(
      GatewayStore store,
      DeploymentStore deployments,
      ApiKeyStore apiKeys,
      RolloutPusher pusher,
      GatewayHealthPolicy health,
      Mutations mutations,
      Clock clock,
      ControlPlaneProperties properties,
      CanaryGuard canaries) {
    this.canaries = requireNonNull(canaries, "canaries");
    this.store = requireNonNull(store, "store");
    this.deployments = requireNonNull(deployments, "deployments");
    this.apiKeys = requireNonNull(apiKeys, "apiKeys");
    this.pusher = requireNonNull(pusher, "pusher");
    this.health = requireNonNull(health, "health");
    this.mutations = requireNonNull(mutations, "mutations");
    this.clock = requireNonNull(clock, "clock");
    this.heartbeatInterval = properties.gatewayHeartbeatInterval();
  }

  @Override
  public void registerGateway(
      RegisterGatewayRequest request, StreamObserver<RegisterGatewayResponse> response) {
    Principal gateway = requireGateway();
    if (!request.getSecretsPublicKey().isEmpty()) {
      try {
        SecretSealing.checkPublicKey(request.getSecretsPublicKey().toByteArray());
      } catch (java.security.GeneralSecurityException | RuntimeException e) {
        throw NexusException.invalidArgument(
            "secrets_public_key", "not a Tink HPKE public keyset: " + e.getMessage());
      }
    }
    RegisterGatewayResponse registered =
        mutations.run(
            gateway,
            GatewayServiceGrpc.getRegisterGatewayMethod().getFullMethodName(),
            "",
            RegisterGatewayResponse.parser(),
            now -> {
              var row =
                  store.upsert(
                      gateway.org(),
                      request.getGatewayId(),
                      request.getEnvironment(),
                      request.getAdminEndpoint(),
                      request.getBuildVersion(),
                      request.getSecretsPublicKey().toByteArray(),
                      now);
              return new Change<>(
                  RegisterGatewayResponse.newBuilder()
                      .setGateway(withHealth(row))
                      .setHeartbeatInterval(Durations.fromMillis(heartbeatInterval.toMillis()))
                      .build(),
                  row.gateway().getName());
            });
    // Committed: bring the gateway to every current deployment of its environment.
    pusher.reconcile(gateway.org(), request.getGatewayId());
    reply(response, registered);
  }

  @Override
  public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
    Principal gateway = requireGateway();
    long held = request.getKeyGenerationsOrDefault(gateway.org(), 0L);
    var row =
        store.heartbeat(
            gateway.org(),
            request.getGatewayId(),
            request.getAppliedGeneration(),
            held,
            clock.instant());
    long keyGeneration = apiKeys.generation(gateway.org());
    // A push this gateway missed (it was down, or a push failed) is sent again now.
    pusher.catchUp(gateway.org(), row, held, keyGeneration, request.getDeploymentIdsList());
    reply(
        response,
        HeartbeatResponse.newBuilder()
            .setDesiredGeneration(
                deployments.desiredGeneration(gateway.org(), row.gateway().getEnvironment()))
            .setDesiredKeyGeneration(keyGeneration)
            .build());
  }

  @Override
  public void reportUsage(
      ReportUsageRequest request, StreamObserver<ReportUsageResponse> response) {
    Principal gateway = requireGateway();
    var registered =
        store
            .find(gateway.org(), request.getGatewayId())
            .orElseThrow(() -> NexusException.notFound("gateway", request.getGatewayId()));
    var foreign = new ArrayList<FieldViolation>();
    for (int i = 0; i < request.getRecordsCount(); i++) {
      if (!request.getRecords(i).getOrg().equals(gateway.org())) {
        foreign.add(
            new FieldViolation("records[" + i + "].org", "not this gateway's organisation"));
      }
    }
    if (!foreign.isEmpty()) {
      throw NexusException.invalidArgument(foreign);
    }
    store.addUsage(
        gateway.org(), request.getGatewayId(), request.getRecordsList(), clock.instant());
    canaries.report(gateway.org(), registered.gateway().getEnvironment(), request.getRecordsList());
    reply(response, ReportUsageResponse.getDefaultInstance());
  }

  @Override
  public void listGateways(
      ListGatewaysRequest request, StreamObserver<ListGatewaysResponse> response) {
    Principal caller = Authz.require(Permission.GATEWAYS_READ);
    int size = PageTokens.size(request.getPageSize());
    String after = PageTokens.decode("gateways", request.getPageToken()).orElse("");
    var rows = store.list(caller.org(), request.getEnvironment(), after, size + 1);
    var page = ListGatewaysResponse.newBuilder();
    long keyGeneration = apiKeys.generation(caller.org());
    rows.stream()
        .limit(size)
        .forEach(
            row ->
                page.addGateways(
                    withHealth(row).toBuilder().setDesiredKeyGeneration(keyGeneration)));
    if (rows.size() > size) {
      page.setNextPageToken(PageTokens.encode("gateways", rows.get(size - 1).gateway().getId()));
    }
    reply(response, page.build());
  }

  @Override
  public void listWorkflowUsage(
      ListWorkflowUsageRequest request, StreamObserver<ListWorkflowUsageResponse> response) {
    Principal caller = Authz.require(Permission.GATEWAYS_READ);
    Instant to =
        request.hasEndTime()
            ? Instant.ofEpochMilli(Timestamps.toMillis(request.getEndTime()))
            : clock.instant();
    Instant from =
        request.hasStartTime()
            ? Instant.ofEpochMilli(Timestamps.toMillis(request.getStartTime()))
            : to.minus(Duration.ofHours(24));
    reply(
        response,
        ListWorkflowUsageResponse.newBuilder()
            .addAllUsage(store.sumUsage(caller.org(), from, to))
            .setStartTime(Timestamps.fromMillis(from.toEpochMilli()))
            .setEndTime(Timestamps.fromMillis(to.toEpochMilli()))
            .build());
  }

  private Gateway withHealth(GatewayStore.Row row) {
    return health.withHealth(row);
  }

  private static Principal requireGateway() {
    Principal principal = Authz.require(Permission.GATEWAY_SELF);
    if (principal.kind() != PrincipalKind.SERVICE) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_PERMISSION_DENIED,
          "gateways call this with their service account's credential, not a person's token");
    }
    return principal;
  }
}
