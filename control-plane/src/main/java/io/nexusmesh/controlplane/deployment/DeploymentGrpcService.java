package io.nexusmesh.controlplane.deployment;

import static io.nexusmesh.controlplane.Unary.reply;
import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.server.annotation.Blocking;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.controlplane.v1.CreateDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.CreateDeploymentResponse;
import io.nexusmesh.api.controlplane.v1.Deployment;
import io.nexusmesh.api.controlplane.v1.DeploymentServiceGrpc;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.GetDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.GetDeploymentResponse;
import io.nexusmesh.api.controlplane.v1.ListDeploymentsRequest;
import io.nexusmesh.api.controlplane.v1.ListDeploymentsResponse;
import io.nexusmesh.api.controlplane.v1.PromoteDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.PromoteDeploymentResponse;
import io.nexusmesh.api.controlplane.v1.RollbackDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.RollbackDeploymentResponse;
import io.nexusmesh.api.controlplane.v1.WatchDeploymentsRequest;
import io.nexusmesh.api.controlplane.v1.WatchDeploymentsResponse;
import io.nexusmesh.controlplane.authz.Authz;
import io.nexusmesh.controlplane.authz.Permission;
import io.nexusmesh.controlplane.gateway.GatewayHealthPolicy;
import io.nexusmesh.controlplane.store.DeploymentStore;
import io.nexusmesh.controlplane.store.GatewayStore;
import io.nexusmesh.controlplane.store.Mutations;
import io.nexusmesh.controlplane.store.Mutations.Change;
import io.nexusmesh.controlplane.store.PageTokens;
import io.nexusmesh.controlplane.store.WorkflowStore;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * {@code nexus.controlplane.v1.DeploymentService}: deploys workflow versions to environments,
 * promotes them along dev → staging → prod, rolls back to the previous version, and streams rollout
 * changes. Every deployment is audited in the transaction that records it; the push to gateways
 * starts once it committed (see {@link RolloutPusher}).
 */
@Component
@Blocking
public class DeploymentGrpcService extends DeploymentServiceGrpc.DeploymentServiceImplBase {
  private final DeploymentStore deployments;
  private final WorkflowStore workflows;
  private final GatewayStore gateways;
  private final GatewayHealthPolicy health;
  private final Mutations mutations;
  private final RolloutPusher pusher;
  private final DeploymentFeed feed;

  public DeploymentGrpcService(
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

  @Override
  public void createDeployment(
      CreateDeploymentRequest request, StreamObserver<CreateDeploymentResponse> response) {
    Principal caller = Authz.require(Permission.DEPLOYMENTS_WRITE);
    Deployment deployment =
        deploy(
            caller,
            DeploymentServiceGrpc.getCreateDeploymentMethod().getFullMethodName(),
            request.getRequestId(),
            request.getWorkflowId(),
            request.getVersion(),
            request.getEnvironment());
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
        deploy(
            caller,
            DeploymentServiceGrpc.getPromoteDeploymentMethod().getFullMethodName(),
            request.getRequestId(),
            source.getWorkflowId(),
            source.getVersion(),
            target);
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
        deploy(
            caller,
            DeploymentServiceGrpc.getRollbackDeploymentMethod().getFullMethodName(),
            request.getRequestId(),
            source.getWorkflowId(),
            source.getPreviousVersion(),
            source.getEnvironment());
    reply(response, RollbackDeploymentResponse.newBuilder().setDeployment(deployment).build());
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

  private Deployment deploy(
      Principal caller,
      String method,
      String requestId,
      String workflowId,
      long version,
      Environment environment) {
    // The deployment this one replaces: watchers hear that it is superseded, not only what is new.
    var replaced = deployments.current(caller.org(), workflowId, environment);
    var created =
        mutations.run(
            caller,
            method,
            requestId,
            CreateDeploymentResponse.parser(),
            now -> {
              workflows.getVersion(caller.org(), workflowId, version);
              String description =
                  workflows.find(caller.org(), workflowId).map(w -> w.getDescription()).orElse("");
              // Gateways that missed their heartbeats are no targets: they get it when they return.
              List<String> targets =
                  gateways.list(caller.org(), environment, "", GatewayStore.MAX_LISTED).stream()
                      .filter(health::healthy)
                      .map(row -> row.gateway().getId())
                      .toList();
              String id = UUID.randomUUID().toString().replace("-", "").substring(0, 20);
              var row =
                  deployments.insert(
                      caller.org(),
                      id,
                      workflowId,
                      version,
                      environment,
                      description,
                      caller.subject(),
                      targets,
                      now);
              return new Change<>(
                  CreateDeploymentResponse.newBuilder().setDeployment(row.deployment()).build(),
                  row.deployment().getName());
            });
    Deployment committed =
        deployments.get(caller.org(), created.getDeployment().getId()).deployment();
    pusher.rollOut(caller.org(), committed);
    replaced
        .filter(row -> !row.deployment().getId().equals(committed.getId()))
        .flatMap(row -> deployments.find(caller.org(), row.deployment().getId()))
        .ifPresent(row -> feed.publish(caller.org(), row.deployment()));
    return committed;
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
