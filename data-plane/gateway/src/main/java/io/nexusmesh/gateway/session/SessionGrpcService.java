package io.nexusmesh.gateway.session;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.Durations;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Blocking;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.gateway.v1.CloseSessionRequest;
import io.nexusmesh.api.gateway.v1.CloseSessionResponse;
import io.nexusmesh.api.gateway.v1.CreateSessionRequest;
import io.nexusmesh.api.gateway.v1.CreateSessionResponse;
import io.nexusmesh.api.gateway.v1.GetSessionRequest;
import io.nexusmesh.api.gateway.v1.GetSessionResponse;
import io.nexusmesh.api.gateway.v1.ListSessionsRequest;
import io.nexusmesh.api.gateway.v1.ListSessionsResponse;
import io.nexusmesh.api.gateway.v1.PostSessionMessageRequest;
import io.nexusmesh.api.gateway.v1.PostSessionMessageResponse;
import io.nexusmesh.api.gateway.v1.SessionServiceGrpc;
import io.nexusmesh.api.gateway.v1.WatchSessionRequest;
import io.nexusmesh.api.gateway.v1.WatchSessionResponse;
import io.nexusmesh.gateway.api.WorkflowStarter;
import io.nexusmesh.runtime.auth.AuthContext;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * {@code nexus.gateway.v1.SessionService} over gRPC, REST and gRPC-Web: a caller's sessions, whose
 * ids then work on every channel ({@code session_id} of Execute and StartExecution, the MCP
 * session) and on every gateway.
 */
@Blocking
public final class SessionGrpcService extends SessionServiceGrpc.SessionServiceImplBase {
  private static final int DEFAULT_PAGE = 50;

  private final Sessions sessions;
  private final SessionEvents events;

  public SessionGrpcService(Sessions sessions, SessionEvents events) {
    this.sessions = requireNonNull(sessions, "sessions");
    this.events = requireNonNull(events, "events");
  }

  private static Principal caller() {
    return WorkflowStarter.runner(AuthContext.principal());
  }

  @Override
  public void createSession(
      CreateSessionRequest request, StreamObserver<CreateSessionResponse> response) {
    Duration ttl =
        request.hasTtl()
            ? Duration.ofMillis(Durations.toMillis(request.getTtl()))
            : Sessions.DEFAULT_TTL;
    response.onNext(
        CreateSessionResponse.newBuilder()
            .setSession(sessions.create(caller(), request.getVariables(), ttl))
            .build());
    response.onCompleted();
  }

  @Override
  public void postSessionMessage(
      PostSessionMessageRequest request, StreamObserver<PostSessionMessageResponse> response) {
    Principal caller = caller();
    sessions.requireOpen(caller, request.getId());
    response.onNext(
        PostSessionMessageResponse.newBuilder()
            .setEvent(events.message(request.getId(), caller.subject(), request.getMessage()))
            .build());
    response.onCompleted();
  }

  @Override
  public void getSession(GetSessionRequest request, StreamObserver<GetSessionResponse> response) {
    response.onNext(
        GetSessionResponse.newBuilder()
            .setSession(
                sessions
                    .find(caller(), request.getId())
                    .orElseThrow(() -> NexusException.notFound("session", request.getId())))
            .build());
    response.onCompleted();
  }

  @Override
  public void listSessions(
      ListSessionsRequest request, StreamObserver<ListSessionsResponse> response) {
    Principal caller = caller();
    int size = request.getPageSize() == 0 ? DEFAULT_PAGE : request.getPageSize();
    int offset = decode(request.getPageToken());
    var page =
        ListSessionsResponse.newBuilder().addAllSessions(sessions.list(caller, offset, size));
    if (sessions.indexSize(caller) > offset + size) {
      page.setNextPageToken(
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(("sessions:" + (offset + size)).getBytes(StandardCharsets.UTF_8)));
    }
    response.onNext(page.build());
    response.onCompleted();
  }

  @Override
  public void closeSession(
      CloseSessionRequest request, StreamObserver<CloseSessionResponse> response) {
    response.onNext(
        CloseSessionResponse.newBuilder()
            .setSession(sessions.close(caller(), request.getId()))
            .build());
    response.onCompleted();
  }

  @Override
  public void watchSession(
      WatchSessionRequest request, StreamObserver<WatchSessionResponse> response) {
    Principal caller = caller();
    sessions.requireOpen(caller, request.getId());
    var call = (ServerCallStreamObserver<WatchSessionResponse>) response;
    AutoCloseable subscription =
        events.subscribe(
            request.getId(),
            event -> {
              synchronized (call) {
                if (!call.isCancelled()) {
                  call.onNext(WatchSessionResponse.newBuilder().setEvent(event).build());
                }
              }
            });
    call.setOnCancelHandler(
        () -> {
          try {
            subscription.close();
          } catch (Exception e) {
            // the subscription is gone with its topic listener either way
          }
        });
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    if (ctx != null) {
      ctx.clearRequestTimeout();
    }
  }

  private static int decode(String token) {
    if (token.isEmpty()) {
      return 0;
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      if (text.startsWith("sessions:")) {
        int offset = Integer.parseInt(text.substring("sessions:".length()));
        if (offset >= 0) {
          return offset;
        }
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw NexusException.invalidArgument("page_token", "not a page token of this list");
  }
}
