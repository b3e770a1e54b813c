package io.nexusmesh.runtime.server;

import com.google.protobuf.Timestamp;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.controlplane.v1.AuditEvent;
import io.nexusmesh.api.controlplane.v1.AuditOutcome;
import io.nexusmesh.api.controlplane.v1.AuditServiceGrpc;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowResponse;
import io.nexusmesh.api.controlplane.v1.GetWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.GetWorkflowResponse;
import io.nexusmesh.api.controlplane.v1.StreamAuditEventsRequest;
import io.nexusmesh.api.controlplane.v1.StreamAuditEventsResponse;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.runtime.auth.AuthContext;
import io.nexusmesh.runtime.error.NexusException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A sample service for exercising the server recipe: keeps workflows per organisation in a map,
 * which is all the recipe's tests need. The real store is the control plane's. Served on the event
 * loop, so the recipe's tests cover checking tokens off it.
 */
@NonBlocking
final class SampleWorkflowService extends WorkflowServiceGrpc.WorkflowServiceImplBase {
  private final Map<String, Workflow> byOrgAndId = new ConcurrentHashMap<>();

  @Override
  public void createWorkflow(
      CreateWorkflowRequest request, StreamObserver<CreateWorkflowResponse> response) {
    String org = AuthContext.principal().org();
    Workflow workflow =
        request.getWorkflow().toBuilder()
            .setName("workflows/" + request.getWorkflow().getId())
            .build();
    if (byOrgAndId.putIfAbsent(org + "/" + workflow.getId(), workflow) != null) {
      throw NexusException.alreadyExists("workflow", workflow.getId());
    }
    response.onNext(CreateWorkflowResponse.newBuilder().setWorkflow(workflow).build());
    response.onCompleted();
  }

  @Override
  public void getWorkflow(
      GetWorkflowRequest request, StreamObserver<GetWorkflowResponse> response) {
    Workflow workflow = byOrgAndId.get(AuthContext.principal().org() + "/" + request.getId());
    if (workflow == null) {
      throw NexusException.notFound("workflow", request.getId());
    }
    if (workflow.getDescription().equals("explode")) {
      throw new IllegalStateException("secret internals at db.example:5432");
    }
    response.onNext(GetWorkflowResponse.newBuilder().setWorkflow(workflow).build());
    response.onCompleted();
  }

  /** A streaming sample: sends a fixed number of audit events. */
  @NonBlocking
  static final class SampleAuditService extends AuditServiceGrpc.AuditServiceImplBase {
    @Override
    public void streamAuditEvents(
        StreamAuditEventsRequest request, StreamObserver<StreamAuditEventsResponse> response) {
      String org = AuthContext.principal().org();
      for (int i = 0; i < 3; i++) {
        response.onNext(
            StreamAuditEventsResponse.newBuilder()
                .setAuditEvent(
                    AuditEvent.newBuilder()
                        .setId("ev" + i)
                        .setOrg(org)
                        .setAction(request.getAction())
                        .setOutcome(AuditOutcome.AUDIT_OUTCOME_SUCCEEDED)
                        .setTime(Timestamp.newBuilder().setSeconds(1_700_000_000L + i)))
                .build());
      }
      response.onCompleted();
    }
  }
}
