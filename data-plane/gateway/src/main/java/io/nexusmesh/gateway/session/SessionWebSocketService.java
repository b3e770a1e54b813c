package io.nexusmesh.gateway.session;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketCloseStatus;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketWriter;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.websocket.WebSocketService;
import io.nexusmesh.gateway.api.WorkflowStarter;
import io.nexusmesh.runtime.auth.Authenticator;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * A session's events over a WebSocket at {@code /v1/sessions/{id}/ws}, on any gateway: one text
 * frame per {@code SessionEvent} (protobuf JSON). The credential is checked and the session found
 * before the first frame; otherwise the socket closes with a policy violation saying why. Clients
 * send an {@code Origin} header, as browsers do (Armeria refuses a handshake without one).
 */
public final class SessionWebSocketService {
  /** The route, with the session id as path parameter {@code id}. */
  public static final String PATH = "/v1/sessions/{id}/ws";

  private final Sessions sessions;
  private final SessionEvents events;
  private final Authenticator authenticator;

  public SessionWebSocketService(
      Sessions sessions, SessionEvents events, Authenticator authenticator) {
    this.sessions = requireNonNull(sessions, "sessions");
    this.events = requireNonNull(events, "events");
    this.authenticator = requireNonNull(authenticator, "authenticator");
  }

  /** The Armeria service to bind at {@link #PATH}. */
  public WebSocketService service() {
    // Any origin: the socket is authorised by its Authorization header, never by cookies, so a
    // page of another site cannot ride on a user's session (no cross-site WebSocket hijacking).
    return WebSocketService.builder(this::handle).allowedOrigin(origin -> true).build();
  }

  private WebSocket handle(ServiceRequestContext ctx, WebSocket in) {
    WebSocketWriter out = WebSocket.streaming();
    String authorization = ctx.request().headers().get(HttpHeaderNames.AUTHORIZATION);
    String id = ctx.pathParam("id");
    ctx.clearRequestTimeout();
    // Authentication and the Redis lookups block: off the event loop.
    ctx.blockingTaskExecutor()
        .execute(
            () -> {
              try {
                Principal caller =
                    WorkflowStarter.runner(authenticator.authenticate(authorization));
                sessions.requireOpen(caller, id == null ? "" : id);
                AutoCloseable subscription =
                    events.subscribe(id, event -> out.tryWrite(SessionEvents.json(event)));
                out.whenComplete().handle((ignored, cause) -> close(subscription));
                closeWhenClientLeaves(in, out);
              } catch (NexusException e) {
                closeWhenClientLeaves(in, out);
                // A close reason holds at most 123 bytes.
                String reason = e.getMessage();
                out.close(
                    WebSocketCloseStatus.POLICY_VIOLATION,
                    reason.length() > 100 ? reason.substring(0, 100) : reason);
              }
            });
    return out;
  }

  private static Void close(AutoCloseable subscription) {
    try {
      subscription.close();
    } catch (Exception e) {
      // the listener goes with its topic either way
    }
    return null;
  }

  /** Reads (and ignores) what the client sends; its close ends the event stream. */
  private static void closeWhenClientLeaves(WebSocket in, WebSocketWriter out) {
    in.subscribe(
        new Subscriber<WebSocketFrame>() {
          @Override
          public void onSubscribe(Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(WebSocketFrame frame) {
            frame.close();
          }

          @Override
          public void onError(Throwable cause) {
            out.close();
          }

          @Override
          public void onComplete() {
            out.close();
          }
        });
  }
}
