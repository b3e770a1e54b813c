package io.nexusmesh.launcher;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.StatusRuntimeException;
import io.nexusmesh.api.controlplane.v1.Deployment;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.Gateway;
import io.nexusmesh.api.controlplane.v1.GatewayRollout;
import io.nexusmesh.api.controlplane.v1.RolloutState;
import io.nexusmesh.client.NexusClient;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * When the dev stack counts as up: the gateway holds the organisation's current key generation (as
 * it confirmed to the control plane), every seeded deployment is ACTIVE on it, and it runs {@code
 * hello} with the seeded API key. A stale key set can never pass: the generation compared is the
 * one the control plane has after seeding. A gateway the control plane refused or a rollout that
 * FAILED ends the wait at once, with the component and the reason in one line.
 */
final class DevReadiness {
  private static final Duration POLL = Duration.ofMillis(50);

  private final NexusClient admin;
  private final NexusClient caller;
  private final String gatewayId;
  private final io.nexusmesh.gateway.Gateway gateway;

  DevReadiness(
      NexusClient admin,
      NexusClient caller,
      String gatewayId,
      io.nexusmesh.gateway.Gateway gateway) {
    this.admin = requireNonNull(admin, "admin");
    this.caller = requireNonNull(caller, "caller");
    this.gatewayId = requireNonNull(gatewayId, "gatewayId");
    this.gateway = requireNonNull(gateway, "gateway");
  }

  /** Waits until ready, or throws a one-line {@link DevStackException} naming what is not. */
  void await(List<String> workflowIds, Duration timeout) {
    long until = System.nanoTime() + timeout.toNanos();
    String waitingFor = "the gateway " + gatewayId + " to register";
    while (true) {
      gateway
          .registrationRefusal()
          .ifPresent(
              why -> {
                throw new DevStackException(
                    "the gateway " + gatewayId + " was refused by the control plane: " + why);
              });
      try {
        Optional<String> missing = missing(workflowIds);
        if (missing.isEmpty()) {
          return;
        }
        waitingFor = missing.get();
      } catch (StatusRuntimeException e) {
        waitingFor = "an answer: " + e.getStatus();
      }
      if (System.nanoTime() > until) {
        throw new DevStackException(
            "the dev stack was not ready within "
                + timeout.toSeconds()
                + " s: waiting for "
                + waitingFor);
      }
      sleep();
    }
  }

  /** What is not ready yet, or empty when everything is. */
  private Optional<String> missing(List<String> workflowIds) {
    Optional<Gateway> registered =
        admin.gateways().list().stream().filter(g -> g.getId().equals(gatewayId)).findFirst();
    if (!gateway.registered() || registered.isEmpty()) {
      return Optional.of("the gateway " + gatewayId + " to register");
    }
    for (String workflowId : workflowIds) {
      Deployment current =
          admin.deployments().list(workflowId).stream()
              // The current one in dev: one promoted to staging or prod never reaches gw-dev.
              .filter(d -> d.getEnvironment() == Environment.ENVIRONMENT_DEV)
              .filter(d -> d.getState() != RolloutState.ROLLOUT_STATE_SUPERSEDED)
              .findFirst()
              .orElseThrow(() -> new DevStackException(workflowId + " was not deployed"));
      // Only this gateway's rollout counts: others registered earlier may be gone for good.
      Optional<GatewayRollout> here =
          current.getGatewaysList().stream()
              .filter(r -> r.getGatewayId().equals(gatewayId))
              .findFirst();
      RolloutState state =
          here.map(GatewayRollout::getState).orElse(RolloutState.ROLLOUT_STATE_PENDING);
      if (state == RolloutState.ROLLOUT_STATE_FAILED) {
        throw new DevStackException(
            "the deployment of "
                + workflowId
                + " failed on the gateway "
                + gatewayId
                + ": "
                + here.get().getReason());
      }
      if (state != RolloutState.ROLLOUT_STATE_ACTIVE) {
        return Optional.of(workflowId + " to be active on the gateway (" + state + ")");
      }
    }
    Gateway g = registered.get();
    if (g.getAppliedKeyGeneration() < g.getDesiredKeyGeneration()) {
      return Optional.of(
          "the gateway to hold key generation "
              + g.getDesiredKeyGeneration()
              + " (it has "
              + g.getAppliedKeyGeneration()
              + ")");
    }
    try {
      caller
          .executions()
          .execute(
              "hello",
              Struct.newBuilder()
                  .putFields("name", Value.newBuilder().setStringValue("dev").build())
                  .build());
      return Optional.empty();
    } catch (StatusRuntimeException e) {
      return Optional.of("hello to run with the API key: " + e.getStatus());
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(POLL);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DevStackException("interrupted while starting");
    }
  }
}
