package io.nexusmesh.client;

import io.nexusmesh.api.controlplane.v1.AbortCanaryRequest;
import io.nexusmesh.api.controlplane.v1.CanaryPolicy;
import io.nexusmesh.api.controlplane.v1.CreateDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.Deployment;
import io.nexusmesh.api.controlplane.v1.DeploymentServiceGrpc;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.GetDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.ListDeploymentsRequest;
import io.nexusmesh.api.controlplane.v1.PromoteCanaryRequest;
import io.nexusmesh.api.controlplane.v1.PromoteDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.RollbackDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.WatchDeploymentsRequest;
import io.nexusmesh.api.controlplane.v1.WatchDeploymentsResponse;
import java.util.Iterator;
import java.util.List;

/** Deployments of workflow versions to environments, and their rollout to gateways. */
public final class Deployments {
  private final Endpoint endpoint;

  Deployments(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  private DeploymentServiceGrpc.DeploymentServiceBlockingStub stub() {
    return endpoint.unary(DeploymentServiceGrpc.newBlockingStub(endpoint.channel()));
  }

  /** Deploys version {@code version} of {@code workflowId} to {@code environment}. */
  public Deployment create(String workflowId, long version, Environment environment) {
    return stub()
        .createDeployment(
            CreateDeploymentRequest.newBuilder()
                .setWorkflowId(workflowId)
                .setVersion(version)
                .setEnvironment(environment)
                .build())
        .getDeployment();
  }

  /**
   * Deploys version {@code version} of {@code workflowId} to {@code environment} as a canary: the
   * share of calls {@code canary} names runs it, the others the version deployed now, until it is
   * {@linkplain #promoteCanary promoted} or {@linkplain #abortCanary aborted} (by hand, or by the
   * control plane once its error rate passes the policy's bound).
   */
  public Deployment createCanary(
      String workflowId, long version, Environment environment, CanaryPolicy canary) {
    return stub()
        .createDeployment(
            CreateDeploymentRequest.newBuilder()
                .setWorkflowId(workflowId)
                .setVersion(version)
                .setEnvironment(environment)
                .setCanary(canary)
                .build())
        .getDeployment();
  }

  /** Sends every call to canary deployment {@code id}'s version; returns the new deployment. */
  public Deployment promoteCanary(String id) {
    return stub()
        .promoteCanary(PromoteCanaryRequest.newBuilder().setId(id).build())
        .getDeployment();
  }

  /**
   * Sends every call back to canary deployment {@code id}'s baseline, keeping {@code reason} (may
   * be empty); returns the new deployment.
   */
  public Deployment abortCanary(String id, String reason) {
    return stub()
        .abortCanary(AbortCanaryRequest.newBuilder().setId(id).setReason(reason).build())
        .getDeployment();
  }

  /** The deployment {@code id}, with its per-gateway rollout. */
  public Deployment get(String id) {
    return stub()
        .getDeployment(GetDeploymentRequest.newBuilder().setId(id).build())
        .getDeployment();
  }

  /** Deployments, of one workflow when {@code workflowId} is not empty (all pages). */
  public List<Deployment> list(String workflowId) {
    return Pages.all(
        token ->
            stub()
                .listDeployments(
                    ListDeploymentsRequest.newBuilder()
                        .setWorkflowId(workflowId)
                        .setPageSize(Pages.SIZE)
                        .setPageToken(token)
                        .build()),
        r -> r.getDeploymentsList(),
        r -> r.getNextPageToken());
  }

  /** Deploys the version of deployment {@code id} to {@code target}. */
  public Deployment promote(String id, Environment target) {
    return stub()
        .promoteDeployment(
            PromoteDeploymentRequest.newBuilder().setId(id).setTargetEnvironment(target).build())
        .getDeployment();
  }

  /** Puts the previous version of deployment {@code id}'s workflow back in its environment. */
  public Deployment rollback(String id) {
    return stub()
        .rollbackDeployment(RollbackDeploymentRequest.newBuilder().setId(id).build())
        .getDeployment();
  }

  /**
   * Follows deployments as their rollout changes, of one workflow and/or one deployment when not
   * empty; blocks in {@code next()} until the next change. Stop reading to stop following.
   */
  public Iterator<Deployment> watch(String workflowId, String deploymentId) {
    Iterator<WatchDeploymentsResponse> changes =
        endpoint
            .streaming(DeploymentServiceGrpc.newBlockingStub(endpoint.channel()))
            .watchDeployments(
                WatchDeploymentsRequest.newBuilder()
                    .setWorkflowId(workflowId)
                    .setDeploymentId(deploymentId)
                    .build());
    return Streams.map(changes, WatchDeploymentsResponse::getDeployment);
  }
}
