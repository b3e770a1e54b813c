package io.nexusmesh.client;

import com.google.protobuf.Value;
import io.nexusmesh.api.gateway.v1.CreateSessionRequest;
import io.nexusmesh.api.gateway.v1.GetSessionRequest;
import io.nexusmesh.api.gateway.v1.PostSessionMessageRequest;
import io.nexusmesh.api.gateway.v1.PostSessionMessageResponse;
import io.nexusmesh.api.gateway.v1.ReplaySessionRequest;
import io.nexusmesh.api.gateway.v1.ReplaySessionResponse;
import io.nexusmesh.api.gateway.v1.Session;
import io.nexusmesh.api.gateway.v1.SessionEvent;
import io.nexusmesh.api.gateway.v1.SessionServiceGrpc;
import io.nexusmesh.api.gateway.v1.WatchSessionRequest;
import io.nexusmesh.api.gateway.v1.WatchSessionResponse;
import io.nexusmesh.api.semantic.v1.Agent;
import java.util.Iterator;

/** Sessions on a gateway: their agents, messages, live events and replayable agent chains. */
public final class Sessions {
  private final Endpoint endpoint;

  Sessions(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  private SessionServiceGrpc.SessionServiceBlockingStub stub() {
    return endpoint.unary(SessionServiceGrpc.newBlockingStub(endpoint.channel()));
  }

  /** Opens a session whose text messages {@code agent} answers. */
  public Session create(Agent agent) {
    return stub()
        .createSession(CreateSessionRequest.newBuilder().setAgent(agent).build())
        .getSession();
  }

  /** The session {@code id}. */
  public Session get(String id) {
    return stub().getSession(GetSessionRequest.newBuilder().setId(id).build()).getSession();
  }

  /** Posts text to the session: with an agent, it starts a turn (its id is in the answer). */
  public PostSessionMessageResponse post(String id, String text) {
    return stub()
        .postSessionMessage(
            PostSessionMessageRequest.newBuilder()
                .setId(id)
                .setMessage(Value.newBuilder().setStringValue(text))
                .build());
  }

  /** The session's events as they happen, until the iterator is abandoned or the call ends. */
  public Iterator<SessionEvent> watch(String id) {
    Iterator<WatchSessionResponse> events =
        endpoint
            .streaming(SessionServiceGrpc.newBlockingStub(endpoint.channel()))
            .watchSession(WatchSessionRequest.newBuilder().setId(id).build());
    return Streams.map(events, WatchSessionResponse::getEvent);
  }

  /** A page of the session's agent chain from {@code fromSequence} on. */
  public ReplaySessionResponse replay(String id, long fromSequence, int pageSize) {
    return stub()
        .replaySession(
            ReplaySessionRequest.newBuilder()
                .setId(id)
                .setFromSequence(fromSequence)
                .setPageSize(pageSize)
                .build());
  }
}
