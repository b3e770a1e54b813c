package io.nexusmesh.controlplane.deployment;

import static io.nexusmesh.controlplane.Unary.reply;
import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.server.annotation.Blocking;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.controlplane.v1.AbortCanaryRequest;
import io.nexusmesh.api.controlplane.v1.AbortCanaryResponse;
import io.nexusmesh.api.controlplane.v1.CanaryState;
import io.nexusmesh.api.controlplane.v1.CreateDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.CreateDeploymentResponse;
import io.nexusmesh.api.controlplane.v1.Deployment;
import io.nexusmesh.api.controlplane.v1.DeploymentServiceGrpc;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.GetDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.GetDeploymentResponse;
import io.nexusmesh.api.controlplane.v1.ListDeploymentsRequest;
import io.nexusmesh.api.controlplane.v1.ListDeploymentsResponse;
import io.nexusmesh.api.controlplane.v1.PromoteCanaryRequest;
import io.nexusmesh.api.controlplane.v1.PromoteCanaryResponse;
import io.nexusmesh.api.controlplane.v1.PromoteDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.PromoteDeploymentResponse;
import io.nexusmesh.api.controlplane.v1.RollbackDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.RollbackDeploymentResponse;
import io.nexusmesh.api.controlplane.v1.WatchDeploymentsRequest;
import io.nexusmesh.api.controlplane.v1.WatchDeploymentsResponse;
import io.nexusmesh.controlplane.authz.Authz;
import io.nexusmesh.controlplane.authz.Permission;
import io.nexusmesh.controlplane.deployment.Deployer.CanaryEnding;
import io.nexusmesh.controlplane.deployment.Deployer.Target;
import io.nexusmesh.controlplane.store.DeploymentStore;
import io.nexusmesh.controlplane.store.PageTokens;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * {@code nexus.controlplane.v1.DeploymentService}: deploys workflow versions to environments,
 * promotes them along dev → staging → prod, rolls back to the previous version, runs canaries (a
 * share of the calls on the new version until promoted or aborted), and streams rollout changes.
 * Every deployment is audited in the transaction that records it; the push to gateways starts once
 * it committed (see {@link RolloutPusher}).
 */
@Component
@Blocking
public class DeploymentGrpcService extends DeploymentServiceGrpc.DeploymentServiceImplBase {
  private final DeploymentStore deployments;
  private final Deployer deployer;
  private final DeploymentFeed feed;

  public DeploymentGrpcService(
      DeploymentStore deployments, Deployer deployer, DeploymentFeed feed) {
    this.deployments = requireNonNull(deployments, "deployments");
    this.deployer = requireNonNull(deployer, "deployer");
    this.feed = requireNonNull(feed, "feed");
  }

  @Override
  public void createDeployment(
      CreateDeploymentRequest request, StreamObserver<CreateDeploymentResponse> response) {
    Principal caller = Authz.require(Permission.DEPLOYMENTS_WRITE);
    Deployment deployment =
        deployer.deploy(
            caller,
            DeploymentServiceGrpc.getCreateDeploymentMethod().getFullMethodName(),
            request.getRequestId(),
            new Target(
                request.getWorkflowId(),
                request.getVersion(),
                request.getEnvironment(),
                request.getCanary()),
            CanaryEnding.replacedBy(caller));
    reply(response, CreateDeploymentResponse.newBuilder().setDeployment(deployment).build());
  }

  @Override
  public void getDeployment(
      GetDeploymentRequest request, StreamObserver<GetDeploymentResponse> response) {
    Principal caller = Authz.require(Permission.DEPLOYMENTS_READ);
    reply(
        response,
        GetDeploymentResponse.newBuilder()
            .setDeployment(deployments.get(caller.org(), request.getId()).deployment())
            .build());
  }

  @Override
  public void listDeployments(
      ListDeploymentsRequest request, StreamObserver<ListDeploymentsResponse> response) {
    Principal caller = Authz.require(Permission.DEPLOYMENTS_READ);
    int size = PageTokens.size(request.getPageSize());
    long before = PageTokens.decodePosition("deployments", request.getPageToken(), Long.MAX_VALUE);
    var rows =
        deployments.list(
            caller.org(), request.getWorkflowId(), request.getEnvironment(), before, size + 1);
    var page = ListDeploymentsResponse.newBuilder();
    rows.stream().limit(size).forEach(row -> page.addDeployments(row.deployment()));
    if (rows.size() > size) {
      page.setNextPageToken(
          PageTokens.encode("deployments", Long.toString(rows.get(size - 1).generation())));
    }
    reply(response, page.build());
  }

  @Override
  public void promoteDeployment(
      PromoteDeploymentRequest request, StreamObserver<PromoteDeploymentResponse> response) {
    Principal caller = Authz.require(Permission.DEPLOYMENTS_WRITE);
    Deployment source = deployments.get(caller.org(), request.getId()).deployment();
    Environment target =
        request.getTargetEnvironment() != Environment.ENVIRONMENT_UNSPECIFIED
            ? request.getTargetEnvironment()
            : next(source.getEnvironment());
    if (target == source.getEnvironment()) {
      throw NexusException.invalidArgument(
          "target_environment", "the deployment is already in " + target.name());
    }
    Deployment deployment =
        deployer.deploy(
            caller,
            DeploymentServiceGrpc.getPromoteDeploymentMethod().getFullMethodName(),
            request.getRequestId(),
            Target.whole(source.getWorkflowId(), source.getVersion(), target),
            CanaryEnding.replacedBy(caller));
    reply(response, PromoteDeploymentResponse.newBuilder().setDeployment(deployment).build());
  }

  @Override
  public void rollbackDeployment(
      RollbackDeploymentRequest request, StreamObserver<RollbackDeploymentResponse> response) {
    Principal caller = Authz.require(Permission.DEPLOYMENTS_WRITE);
    Deployment source = deployments.get(caller.org(), request.getId()).deployment();
    if (source.getPreviousVersion() == 0) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_FAILED_PRECONDITION,
          "deployment " + source.getId() + " has no previous version to roll back to");
    }
    Deployment deployment =
        deployer.deploy(
            caller,
            DeploymentServiceGrpc.getRollbackDeploymentMethod().getFullMethodName(),
            request.getRequestId(),
            Target.whole(
                source.getWorkflowId(), source.getPreviousVersion(), source.getEnvironment()),
            new CanaryEnding(
                CanaryState.CANARY_STATE_ABORTED, "rolled back by " + caller.subject(), ""));
    reply(response, RollbackDeploymentResponse.newBuilder().setDeployment(deployment).build());
  }

  @Override
  public void promoteCanary(
      PromoteCanaryRequest request, StreamObserver<PromoteCanaryResponse> response) {
    Principal caller = Authz.require(Permission.DEPLOYMENTS_WRITE);
    Deployment canary = canary(caller, request.getId());
    Deployment deployment =
        deployer.deploy(
            caller,
            DeploymentServiceGrpc.getPromoteCanaryMethod().getFullMethodName(),
            request.getRequestId(),
            Target.whole(canary.getWorkflowId(), canary.getVersion(), canary.getEnvironment()),
            new CanaryEnding(
                CanaryState.CANARY_STATE_PROMOTED,
                "promoted by " + caller.subject(),
                canary.getId()));
    reply(response, PromoteCanaryResponse.newBuilder().setDeployment(deployment).build());
  }

  @Override
  public void abortCanary(
      AbortCanaryRequest request, StreamObserver<AbortCanaryResponse> response) {
    Principal caller = Authz.require(Permission.DEPLOYMENTS_WRITE);
    Deployment canary = canary(caller, request.getId());
    String reason =
        "aborted by "
            + caller.subject()
            + (request.getReason().isEmpty() ? "" : ": " + request.getReason());
    Deployment deployment =
        deployer.deploy(
            caller,
            DeploymentServiceGrpc.getAbortCanaryMethod().getFullMethodName(),
            request.getRequestId(),
            Target.whole(
                canary.getWorkflowId(),
                canary.getCanary().getBaselineVersion(),
                canary.getEnvironment()),
            new CanaryEnding(CanaryState.CANARY_STATE_ABORTED, reason, canary.getId()));
    reply(response, AbortCanaryResponse.newBuilder().setDeployment(deployment).build());
  }

  @Override
  public void watchDeployments(
      WatchDeploymentsRequest request, StreamObserver<WatchDeploymentsResponse> response) {
    Principal caller = Authz.require(Permission.DEPLOYMENTS_READ);
    var stream = (ServerCallStreamObserver<WatchDeploymentsResponse>) response;
    AutoCloseable subscription =
        feed.subscribe(
            (org, deployment) -> {
              if (org.equals(caller.org()) && wanted(request, deployment)) {
                send(stream, deployment);
              }
            });
    stream.setOnCancelHandler(
        () -> {
          try {
            subscription.close();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
    List<DeploymentStore.Row> current =
        request.getDeploymentId().isEmpty()
            ? deployments.currentAll(caller.org())
            : deployments.find(caller.org(), request.getDeploymentId()).stream().toList();
    current.stream()
        .map(DeploymentStore.Row::deployment)
        .filter(d -> wanted(request, d))
        .forEach(d -> send(stream, d));
  }

  /** The canary deployment {@code id}: NOT_FOUND, or FAILED_PRECONDITION if it is no canary. */
  private Deployment canary(Principal caller, String id) {
    Deployment deployment = deployments.get(caller.org(), id).deployment();
    if (!deployment.hasCanary()) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_FAILED_PRECONDITION, "deployment " + id + " is no canary");
    }
    return deployment;
  }

  private static boolean wanted(WatchDeploymentsRequest request, Deployment deployment) {
    return (request.getWorkflowId().isEmpty()
            || request.getWorkflowId().equals(deployment.getWorkflowId()))
        && (request.getDeploymentId().isEmpty()
            || request.getDeploymentId().equals(deployment.getId()));
  }

  private static void send(
      ServerCallStreamObserver<WatchDeploymentsResponse> stream, Deployment d) {
    synchronized (stream) {
      if (!stream.isCancelled()) {
        stream.onNext(WatchDeploymentsResponse.newBuilder().setDeployment(d).build());
      }
    }
  }

  private static Environment next(Environment environment) {
    return switch (environment) {
      case ENVIRONMENT_DEV -> Environment.ENVIRONMENT_STAGING;
      case ENVIRONMENT_STAGING, ENVIRONMENT_PROD -> Environment.ENVIRONMENT_PROD;
      case ENVIRONMENT_UNSPECIFIED, UNRECOGNIZED ->
          throw new IllegalStateException("a stored deployment has no environment");
    };
  }
}
