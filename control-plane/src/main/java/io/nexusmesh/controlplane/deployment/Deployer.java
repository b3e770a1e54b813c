package io.nexusmesh.controlplane.deployment;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.controlplane.v1.CanaryPolicy;
import io.nexusmesh.api.controlplane.v1.CanaryState;
import io.nexusmesh.api.controlplane.v1.CreateDeploymentResponse;
import io.nexusmesh.api.controlplane.v1.Deployment;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.controlplane.gateway.GatewayHealthPolicy;
import io.nexusmesh.controlplane.store.DeploymentStore;
import io.nexusmesh.controlplane.store.GatewayStore;
import io.nexusmesh.controlplane.store.Mutations;
import io.nexusmesh.controlplane.store.Mutations.Change;
import io.nexusmesh.controlplane.store.WorkflowStore;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Makes a deployment the current one of its workflow and environment — a whole one or a canary — in
 * one audited transaction, then pushes it to the environment's gateways and tells watchers. The one
 * path that creating, promoting, rolling back and ending a canary share.
 */
@Component
public class Deployer {
  /** What a deployment asks for: which version, where, and whether as a canary. */
  public record Target(
      String workflowId, long version, Environment environment, CanaryPolicy canary) {
    public Target {
      requireNonNull(workflowId, "workflowId");
      requireNonNull(environment, "environment");
      requireNonNull(canary, "canary");
    }

    /** A whole deployment of {@code version}: every call runs it. */
    public static Target whole(String workflowId, long version, Environment environment) {
      return new Target(workflowId, version, environment, CanaryPolicy.getDefaultInstance());
    }
  }

  /**
   * How a running canary that the new deployment replaces ends: promoted (the new deployment runs
   * its version everywhere) or aborted, and why. With {@code canaryId} set, the deployment is made
   * to end that canary: it must still be the current deployment and running, else the deployment is
   * refused (FAILED_PRECONDITION) — checked in the transaction, so two endings never both land.
   */
  public record CanaryEnding(CanaryState state, String reason, String canaryId) {
    /** The ending of a canary replaced by an unrelated deployment. */
    static CanaryEnding replacedBy(Principal caller) {
      return new CanaryEnding(
          CanaryState.CANARY_STATE_ABORTED,
          "replaced by a new deployment of " + caller.subject(),
          "");
    }
  }

  private final DeploymentStore deployments;
  private final WorkflowStore workflows;
  private final GatewayStore gateways;
  private final GatewayHealthPolicy health;
  private final Mutations mutations;
  private final RolloutPusher pusher;
  private final DeploymentFeed feed;

  public Deployer(
      DeploymentStore deployments,
      WorkflowStore workflows,
      GatewayStore gateways,
      GatewayHealthPolicy health,
      Mutations mutations,
      RolloutPusher pusher,
      DeploymentFeed feed) {
    this.deployments = requireNonNull(deployments, "deployments");
    this.workflows = requireNonNull(workflows, "workflows");
    this.gateways = requireNonNull(gateways, "gateways");
    this.health = requireNonNull(health, "health");
    this.mutations = requireNonNull(mutations, "mutations");
    this.pusher = requireNonNull(pusher, "pusher");
    this.feed = requireNonNull(feed, "feed");
  }

  /**
   * Deploys {@code target} for {@code caller} as the RPC {@code method}; a running canary it
   * replaces ends as {@code ending} says. A canary needs a whole deployment of another version to
   * compare against (FAILED_PRECONDITION otherwise).
   */
  public Deployment deploy(
      Principal caller, String method, String requestId, Target target, CanaryEnding ending) {
    String org = caller.org();
    // The deployment this one replaces, read in the transaction: once it commits, watchers hear
    // that it is superseded, not only what is new.
    AtomicReference<@Nullable String> replaced = new AtomicReference<>();
    var created =
        mutations.run(
            caller,
            method,
            requestId,
            CreateDeploymentResponse.parser(),
            now -> {
              workflows.getVersion(org, target.workflowId(), target.version());
              Deployment before =
                  deployments
                      .current(org, target.workflowId(), target.environment())
                      .map(DeploymentStore.Row::deployment)
                      .orElse(null);
              replaced.set(before == null ? null : before.getId());
              if (!ending.canaryId().isEmpty()) {
                checkStillRunning(ending.canaryId(), before);
              }
              if (target.canary().getPercent() > 0) {
                checkCanBeCanary(target, before);
              }
              String description =
                  workflows.find(org, target.workflowId()).map(w -> w.getDescription()).orElse("");
              // Gateways that missed their heartbeats are no targets: they get it when they return.
              List<String> targets =
                  gateways.list(org, target.environment(), "", GatewayStore.MAX_LISTED).stream()
                      .filter(health::healthy)
                      .map(row -> row.gateway().getId())
                      .toList();
              String id = UUID.randomUUID().toString().replace("-", "").substring(0, 20);
              // Ending the canary first locks its row: of two racing endings (a person and the
              // guard, or two replicas' guards) the second finds it ended and is refused.
              if (before != null
                  && before.getCanary().getState() == CanaryState.CANARY_STATE_RUNNING
                  && !deployments.endCanary(
                      org, before.getId(), ending.state(), ending.reason(), id, now)
                  && !ending.canaryId().isEmpty()) {
                checkStillRunning(ending.canaryId(), null);
              }
              var row =
                  deployments.insert(
                      org,
                      id,
                      target.workflowId(),
                      target.version(),
                      target.environment(),
                      description,
                      caller.subject(),
                      targets,
                      target.canary(),
                      now);
              return new Change<>(
                  CreateDeploymentResponse.newBuilder().setDeployment(row.deployment()).build(),
                  row.deployment().getName());
            });
    Deployment committed = deployments.get(org, created.getDeployment().getId()).deployment();
    pusher.rollOut(org, committed);
    String superseded = replaced.get(); // null when none, or when a retried request was replayed
    if (superseded != null && !superseded.equals(committed.getId())) {
      deployments.find(org, superseded).ifPresent(row -> feed.publish(org, row.deployment()));
    }
    return committed;
  }

  private static void checkStillRunning(String canaryId, Deployment current) {
    if (current == null
        || !current.getId().equals(canaryId)
        || current.getCanary().getState() != CanaryState.CANARY_STATE_RUNNING) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_FAILED_PRECONDITION,
          "the canary of deployment "
              + canaryId
              + " is not running any more"
              + (current == null ? "" : " (deployment " + current.getId() + " is current)"));
    }
  }

  private static void checkCanBeCanary(Target target, Deployment before) {
    String where = target.workflowId() + " in " + target.environment().name();
    if (before == null) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_FAILED_PRECONDITION,
          "no version of " + where + " is deployed for a canary to be compared against");
    }
    if (before.getCanary().getState() == CanaryState.CANARY_STATE_RUNNING) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_FAILED_PRECONDITION,
          "deployment "
              + before.getId()
              + " of "
              + where
              + " is a running canary: promote or abort it first");
    }
    if (before.getVersion() == target.version()) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_FAILED_PRECONDITION,
          "version " + target.version() + " of " + where + " is deployed already");
    }
  }
}
