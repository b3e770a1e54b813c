package io.nexusmesh.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowVersionRequest;
import io.nexusmesh.api.controlplane.v1.GetWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.GetWorkflowVersionRequest;
import io.nexusmesh.api.controlplane.v1.ListWorkflowVersionsRequest;
import io.nexusmesh.api.controlplane.v1.ListWorkflowsRequest;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.api.controlplane.v1.WorkflowVersion;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import java.util.List;
import java.util.Optional;

/** Workflows of the caller's organisation and their immutable versions. */
public final class Workflows {
  private final Endpoint endpoint;

  Workflows(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  private WorkflowServiceGrpc.WorkflowServiceBlockingStub stub() {
    return endpoint.unary(WorkflowServiceGrpc.newBlockingStub(endpoint.channel()));
  }

  /** What {@link #apply} did. */
  public record Applied(Workflow workflow, WorkflowVersion version, boolean changed) {}

  /**
   * Makes {@code spec} the newest version of workflow {@code id}: creates the workflow if it does
   * not exist, and a new version only when the spec differs from the newest one.
   */
  public Applied apply(Workflow workflow, WorkflowSpec spec, String description) {
    Workflow current = find(workflow.getId()).orElse(null);
    if (current == null) {
      current =
          stub()
              .createWorkflow(CreateWorkflowRequest.newBuilder().setWorkflow(workflow).build())
              .getWorkflow();
    } else if (current.getLatestVersion() > 0) {
      WorkflowVersion latest = version(current.getId(), current.getLatestVersion());
      if (latest.getSpec().equals(spec)) {
        return new Applied(current, latest, false);
      }
    }
    WorkflowVersion created =
        stub()
            .createWorkflowVersion(
                CreateWorkflowVersionRequest.newBuilder()
                    .setWorkflowId(current.getId())
                    .setSpec(spec)
                    .setDescription(description)
                    .build())
            .getVersion();
    return new Applied(get(current.getId()), created, true);
  }

  /** The workflow {@code id}. */
  public Workflow get(String id) {
    return stub().getWorkflow(GetWorkflowRequest.newBuilder().setId(id).build()).getWorkflow();
  }

  /** The workflow {@code id}, or empty when the organisation has none of that id. */
  public Optional<Workflow> find(String id) {
    try {
      return Optional.of(get(id));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** Every workflow of the organisation (all pages). */
  public List<Workflow> list() {
    return Pages.all(
        token ->
            stub()
                .listWorkflows(
                    ListWorkflowsRequest.newBuilder()
                        .setPageSize(Pages.SIZE)
                        .setPageToken(token)
                        .build()),
        r -> r.getWorkflowsList(),
        r -> r.getNextPageToken());
  }

  /** Version {@code version} of workflow {@code id}, with its spec. */
  public WorkflowVersion version(String id, long version) {
    return stub()
        .getWorkflowVersion(
            GetWorkflowVersionRequest.newBuilder().setWorkflowId(id).setVersion(version).build())
        .getVersion();
  }

  /** Every version of workflow {@code id} (all pages). */
  public List<WorkflowVersion> versions(String id) {
    return Pages.all(
        token ->
            stub()
                .listWorkflowVersions(
                    ListWorkflowVersionsRequest.newBuilder()
                        .setWorkflowId(id)
                        .setPageSize(Pages.SIZE)
                        .setPageToken(token)
                        .build()),
        r -> r.getVersionsList(),
        r -> r.getNextPageToken());
  }
}
