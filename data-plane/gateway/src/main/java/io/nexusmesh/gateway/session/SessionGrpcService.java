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
import io.nexusmesh.api.gateway.v1.ReplaySessionRequest;
import io.nexusmesh.api.gateway.v1.ReplaySessionResponse;
import io.nexusmesh.api.gateway.v1.Session;
import io.nexusmesh.api.gateway.v1.SessionServiceGrpc;
import io.nexusmesh.api.gateway.v1.WatchSessionRequest;
import io.nexusmesh.api.gateway.v1.WatchSessionResponse;
import io.nexusmesh.api.semantic.v1.Agent;
import io.nexusmesh.gateway.agent.AgentTurns;
import io.nexusmesh.gateway.api.WorkflowStarter;
import io.nexusmesh.runtime.auth.AuthContext;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * {@code nexus.gateway.v1.SessionService} over gRPC, REST and gRPC-Web: a caller's sessions, whose
 * ids then work on every channel ({@code session_id} of Execute and StartExecution, the MCP
 * session) and on every gateway.
 */
@Blocking
public final class SessionGrpcService extends SessionServiceGrpc.SessionServiceImplBase {
  private static final int DEFAULT_PAGE = 50;

  private static final int DEFAULT_REPLAY_PAGE = 1000;

  private final Sessions sessions;
  private final SessionEvents events;
  private final AgentTurns turns;

  public SessionGrpcService(Sessions sessions, SessionEvents events, AgentTurns turns) {
    this.sessions = requireNonNull(sessions, "sessions");
    this.events = requireNonNull(events, "events");
    this.turns = requireNonNull(turns, "turns");
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
    if (request.hasAgent()) {
      turns.bus(); // FAILED_PRECONDITION without one
    }
    response.onNext(
        CreateSessionResponse.newBuilder()
            .setSession(
                sessions.create(
                    caller(),
                    request.getVariables(),
                    ttl,
                    request.hasAgent() ? request.getAgent() : null))
            .build());
    response.onCompleted();
  }

  @Override
  public void postSessionMessage(
      PostSessionMessageRequest request, StreamObserver<PostSessionMessageResponse> response) {
    Principal caller = caller();
    sessions.requireOpen(caller, request.getId());
    @Nullable Agent agent = request.hasAgent() ? request.getAgent() : null;
    boolean text = request.getMessage().hasStringValue();
    if (agent == null && text) {
      agent =
          sessions
              .find(caller, request.getId())
              .filter(Session::hasAgent)
              .map(Session::getAgent)
              .orElse(null);
    }
    if (agent != null && !text) {
      throw NexusException.invalidArgument(
          "message", "an agent answers text: send the message as a JSON string");
    }
    if (agent != null && request.getMessage().getStringValue().isBlank()) {
      throw NexusException.invalidArgument("message", "empty: the agent needs something to answer");
    }
    if (agent != null) {
      turns.bus(); // FAILED_PRECONDITION before anything is published
    }
    var answer =
        PostSessionMessageResponse.newBuilder()
            .setEvent(events.message(request.getId(), caller.subject(), request.getMessage()));
    if (agent != null) {
      answer.setTurnId(
          turns.start(caller, request.getId(), request.getMessage().getStringValue(), agent));
    }
    response.onNext(answer.build());
    response.onCompleted();
  }

  @Override
  public void replaySession(
      ReplaySessionRequest request, StreamObserver<ReplaySessionResponse> response) {
    Session session =
        sessions
            .find(caller(), request.getId())
            .orElseThrow(() -> NexusException.notFound("session", request.getId()));
    int size = request.getPageSize() == 0 ? DEFAULT_REPLAY_PAGE : request.getPageSize();
    long from = Math.max(1, request.getFromSequence());
    var events =
        turns
            .bus()
            .replay(
                session.getId(),
                com.google.protobuf.util.Timestamps.toMillis(session.getCreateTime()),
                from,
                size + 1);
    var page = ReplaySessionResponse.newBuilder();
    page.addAllEvents(events.subList(0, Math.min(size, events.size())));
    if (events.size() > size) {
      page.setNextSequence(events.get(size).getSequence());
    }
    response.onNext(page.build());
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
