package io.nexusmesh.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Blocking;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.GetWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.GetWorkflowResponse;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.runtime.auth.Authenticator;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import io.nexusmesh.runtime.error.NexusException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Where the recipe runs things: a service must say whether it blocks; a method not marked blocking
 * runs on the event loop, and a credential whose check may block is checked off it, the call
 * starting once it is known (refusals included).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceThreadingTest {
  /** Credentials {@code slow-<org>} may block; {@code fast-<org>} may not; others are refused. */
  private final Map<String, Boolean> checkedOnEventLoop = new ConcurrentHashMap<>();

  private Server server;
  private ManagedChannel channel;

  @BeforeAll
  void start() {
    Authenticator authenticator =
        new Authenticator() {
          @Override
          public Principal authenticate(@Nullable String authorization) {
            String credential = authorization == null ? "" : authorization.substring(7);
            checkedOnEventLoop.put(
                credential, ServiceRequestContext.current().eventLoop().inEventLoop());
            if (!credential.startsWith("slow-") && !credential.startsWith("fast-")) {
              throw NexusException.of(
                  ErrorReason.ERROR_REASON_CREDENTIALS_INVALID, "unknown credential");
            }
            return new Principal(
                credential,
                credential.substring(5),
                Set.of(),
                Set.of(),
                PrincipalKind.USER,
                Set.of());
          }

          @Override
          public boolean mayBlock(@Nullable String authorization) {
            return authorization != null && !authorization.startsWith("Bearer fast-");
          }
        };
    server =
        NexusServer.builder(NexusServerOptions.defaults("threading", 0))
            .addService(new SampleWorkflowService())
            .authenticator(authenticator)
            .build();
    server.start().join();
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.activeLocalPort())
            .usePlaintext()
            .build();
  }

  @AfterAll
  void stop() {
    channel.shutdownNow();
    server.stop().join();
  }

  private WorkflowServiceGrpc.WorkflowServiceBlockingStub as(String credential) {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + credential);
    return WorkflowServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  @Test
  void aCredentialThatMayBlockIsCheckedOffTheEventLoopAndTheCallThenRuns() {
    as("slow-acme")
        .createWorkflow(
            CreateWorkflowRequest.newBuilder()
                .setWorkflow(Workflow.newBuilder().setId("w").setDisplayName("W"))
                .build());
    GetWorkflowResponse read = as("slow-acme").getWorkflow(get("w"));
    assertThat(read.getWorkflow().getDisplayName()).isEqualTo("W");
    assertThat(checkedOnEventLoop).containsEntry("slow-acme", false);
  }

  @Test
  void aCredentialThatCannotBlockIsCheckedOnTheEventLoop() {
    StatusRuntimeException notFound =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class, () -> as("fast-other").getWorkflow(get("w")));
    assertThat(notFound.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(checkedOnEventLoop).containsEntry("fast-other", true);
  }

  @Test
  void aRefusalFoundOffTheEventLoopClosesTheCall() {
    assertThatThrownBy(() -> as("forged").getWorkflow(get("w")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThat(checkedOnEventLoop).containsEntry("forged", false);
  }

  @Test
  void aServiceThatDoesNotSayWhetherItBlocksIsRefused() {
    assertThatThrownBy(
            () ->
                NexusServer.requireThreadingDeclared(
                    new WorkflowServiceGrpc.WorkflowServiceImplBase() {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("@Blocking")
        .hasMessageContaining("@NonBlocking");
    for (var declared :
        List.of(new BlockingService(), new OneBlockingMethod(), new SampleWorkflowService())) {
      NexusServer.requireThreadingDeclared(declared); // no exception
    }
  }

  private static GetWorkflowRequest get(String id) {
    return GetWorkflowRequest.newBuilder().setId(id).build();
  }

  @Blocking
  private static final class BlockingService extends WorkflowServiceGrpc.WorkflowServiceImplBase {}

  private static final class OneBlockingMethod extends WorkflowServiceGrpc.WorkflowServiceImplBase {
    @Blocking
    @Override
    public void getWorkflow(
        GetWorkflowRequest request, StreamObserver<GetWorkflowResponse> response) {
      response.onCompleted();
    }
  }
}
