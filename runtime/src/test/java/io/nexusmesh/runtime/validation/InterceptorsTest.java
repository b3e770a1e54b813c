package io.nexusmesh.runtime.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.controlplane.v1.GetWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.GetWorkflowResponse;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.client.ErrorDetails;
import io.nexusmesh.runtime.auth.AuthContext;
import io.nexusmesh.runtime.auth.AuthInterceptor;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.testing.InProcessGrpc;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Unit tests of the validation and auth interceptors on grpc-java's in-process transport: an
 * invalid or unauthenticated request never reaches the handler.
 */
class InterceptorsTest {
  private final AtomicInteger handled = new AtomicInteger();

  private final WorkflowServiceGrpc.WorkflowServiceImplBase service =
      new WorkflowServiceGrpc.WorkflowServiceImplBase() {
        @Override
        public void getWorkflow(
            GetWorkflowRequest request, StreamObserver<GetWorkflowResponse> response) {
          handled.incrementAndGet();
          response.onNext(
              GetWorkflowResponse.newBuilder()
                  .setWorkflow(
                      Workflow.newBuilder()
                          .setId(request.getId())
                          .setDisplayName(AuthContext.principal().org()))
                  .build());
          response.onCompleted();
        }
      };

  private final AuthInterceptor auth =
      new AuthInterceptor(
          authorization -> {
            if (!"Bearer good".equals(authorization)) {
              throw NexusException.of(ErrorReason.ERROR_REASON_CREDENTIALS_INVALID, "bad");
            }
            return new Principal("u", "acme", Set.of(), Set.of(), PrincipalKind.USER, Set.of());
          });

  private InProcessGrpc serve() {
    return InProcessGrpc.serve(
        service, List.of(new ValidationInterceptor(new RequestValidator()), auth));
  }

  private static WorkflowServiceGrpc.WorkflowServiceBlockingStub stub(
      InProcessGrpc grpc, String authorization) {
    var headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), authorization);
    return WorkflowServiceGrpc.newBlockingStub(grpc.channel())
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  @Test
  void validAuthenticatedRequestReachesTheHandlerWithItsPrincipal() throws Exception {
    try (var grpc = serve()) {
      var workflow =
          stub(grpc, "Bearer good")
              .getWorkflow(GetWorkflowRequest.newBuilder().setId("hello").build())
              .getWorkflow();
      assertThat(workflow.getDisplayName()).isEqualTo("acme");
      assertThat(handled).hasValue(1);
    }
  }

  @Test
  void invalidRequestNeverReachesTheHandler() throws Exception {
    try (var grpc = serve()) {
      assertThatThrownBy(
              () ->
                  stub(grpc, "Bearer good")
                      .getWorkflow(GetWorkflowRequest.newBuilder().setId("").build()))
          .satisfies(
              t -> {
                ErrorDetails error = ErrorDetails.from(t);
                assertThat(error.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(error.violations()).hasSize(1);
                assertThat(error.violations().get(0).field()).isEqualTo("id");
              });
      assertThat(handled).hasValue(0);
    }
  }

  @Test
  void badCredentialNeverReachesTheHandler() throws Exception {
    try (var grpc = serve()) {
      assertThatThrownBy(
              () ->
                  stub(grpc, "Bearer bad")
                      .getWorkflow(GetWorkflowRequest.newBuilder().setId("hello").build()))
          .satisfies(
              t ->
                  assertThat(ErrorDetails.from(t).reason())
                      .isEqualTo(ErrorReason.ERROR_REASON_CREDENTIALS_INVALID));
      assertThat(handled).hasValue(0);
    }
  }
}
