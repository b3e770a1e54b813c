package io.nexusmesh.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.controlplane.v1.GetWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.GetWorkflowResponse;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SDK against a real grpc-java server: credentials on every call, retries on UNAVAILABLE and on
 * nothing else, deadlines, and typed results.
 */
class NexusClientTest {
  private final AtomicInteger unavailableLeft = new AtomicInteger();
  private final AtomicInteger calls = new AtomicInteger();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private Server server;

  @BeforeEach
  void start() throws Exception {
    var service =
        new WorkflowServiceGrpc.WorkflowServiceImplBase() {
          @Override
          public void getWorkflow(
              GetWorkflowRequest request, StreamObserver<GetWorkflowResponse> response) {
            calls.incrementAndGet();
            if (unavailableLeft.getAndDecrement() > 0) {
              response.onError(Status.UNAVAILABLE.withDescription("warming up").asException());
            } else if (request.getId().equals("slow")) {
              // Never answers: the client's deadline must end the call.
            } else if (request.getId().equals("bad")) {
              response.onError(Status.INVALID_ARGUMENT.withDescription("bad id").asException());
            } else {
              response.onNext(
                  GetWorkflowResponse.newBuilder()
                      .setWorkflow(Workflow.newBuilder().setId(request.getId()).setLatestVersion(3))
                      .build());
              response.onCompleted();
            }
          }
        };
    ServerInterceptor recordAuth =
        new ServerInterceptor() {
          @Override
          public <Q, A> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            authorizations.add(
                headers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER)));
            return next.startCall(call, headers);
          }
        };
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(ServerInterceptors.intercept(service, recordAuth))
            .build()
            .start();
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private NexusClient client(int maxAttempts, Duration deadline) {
    AtomicInteger tokens = new AtomicInteger();
    return NexusClient.builder()
        .controlPlane("http://127.0.0.1:" + server.getPort())
        .tokenProvider(() -> "token-" + tokens.incrementAndGet())
        .maxAttempts(maxAttempts)
        .deadline(deadline)
        .build();
  }

  @Test
  void sendsTheProvidersTokenOnEveryCall() {
    try (NexusClient client = client(1, Duration.ofSeconds(5))) {
      assertThat(client.workflows().get("hello").getLatestVersion()).isEqualTo(3);
      assertThat(client.workflows().find("hello")).isPresent();
    }
    assertThat(authorizations).containsExactly("Bearer token-1", "Bearer token-2");
  }

  @Test
  void retriesUnavailableUntilTheServerAnswers() {
    unavailableLeft.set(2);
    try (NexusClient client = client(4, Duration.ofSeconds(10))) {
      assertThat(client.workflows().get("hello").getId()).isEqualTo("hello");
    }
    assertThat(calls).hasValue(3);
  }

  @Test
  void neverRetriesACallersMistake() {
    try (NexusClient client = client(4, Duration.ofSeconds(10))) {
      Throwable thrown = catchThrowable(() -> client.workflows().get("bad"));
      assertThat(ErrorDetails.from(thrown).code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
    assertThat(calls).hasValue(1);
  }

  @Test
  void givesUpAfterMaxAttempts() {
    unavailableLeft.set(10);
    try (NexusClient client = client(2, Duration.ofSeconds(10))) {
      Throwable thrown = catchThrowable(() -> client.workflows().get("hello"));
      assertThat(ErrorDetails.from(thrown).code()).isEqualTo(Status.Code.UNAVAILABLE);
    }
    assertThat(calls).hasValue(2);
  }

  @Test
  void aCallEndsAtTheDeadline() {
    try (NexusClient client = client(1, Duration.ofMillis(300))) {
      Throwable thrown = catchThrowable(() -> client.workflows().get("slow"));
      assertThat(ErrorDetails.from(thrown).code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }
  }

  @Test
  void aMissingCredentialIsSaidBeforeAnyCall() {
    try (NexusClient client = NexusClient.builder().build()) {
      assertThat(catchThrowable(client::workflows))
          .isInstanceOf(NexusClient.MissingCredentialException.class)
          .hasMessageContaining("management token");
      assertThat(catchThrowable(client::executions))
          .isInstanceOf(NexusClient.MissingCredentialException.class)
          .hasMessageContaining("API key");
    }
  }
}
