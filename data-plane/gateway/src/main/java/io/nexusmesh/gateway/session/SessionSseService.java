package io.nexusmesh.gateway.session;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.sse.ServerSentEvent;
import com.linecorp.armeria.common.stream.StreamMessage;
import com.linecorp.armeria.common.stream.StreamWriter;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.streaming.ServerSentEvents;
import io.nexusmesh.gateway.api.WorkflowStarter;
import io.nexusmesh.runtime.auth.Authenticator;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.runtime.server.HttpErrors;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's events as Server-Sent Events at {@code GET /v1/sessions/{id}/events}, on any gateway:
 * whatever channel or replica an execution of the session ran on, its {@code execution-started} and
 * {@code execution-completed} reach every subscriber through Redis pub/sub. The stream lasts until
 * the caller leaves.
 */
public final class SessionSseService {
  /** The route, with the session id as path parameter {@code id}. */
  public static final String PATH = "/v1/sessions/{id}/events";

  private static final Logger log = LoggerFactory.getLogger(SessionSseService.class);

  private final Sessions sessions;
  private final SessionEvents events;
  private final Authenticator authenticator;

  public SessionSseService(Sessions sessions, SessionEvents events, Authenticator authenticator) {
    this.sessions = requireNonNull(sessions, "sessions");
    this.events = requireNonNull(events, "events");
    this.authenticator = requireNonNull(authenticator, "authenticator");
  }

  /** The Armeria service to bind at {@link #PATH}. */
  public HttpService service() {
    return (ctx, req) ->
        HttpResponse.of(
            CompletableFuture.supplyAsync(
                () -> open(ctx, req.headers().get(HttpHeaderNames.AUTHORIZATION)),
                ctx.blockingTaskExecutor()));
  }

  private HttpResponse open(ServiceRequestContext ctx, String authorization) {
    try {
      Principal caller = WorkflowStarter.runner(authenticator.authenticate(authorization));
      String id = ctx.pathParam("id");
      sessions.requireOpen(caller, id == null ? "" : id);
      ctx.clearRequestTimeout();
      StreamWriter<ServerSentEvent> stream = StreamMessage.streaming();
      AutoCloseable subscription =
          events.subscribe(
              id,
              event ->
                  stream.tryWrite(
                      ServerSentEvent.builder()
                          .event(SessionEvents.name(event.getType()))
                          .data(SessionEvents.json(event))
                          .build()));
      // A comment first, so that clients see the stream open before any event.
      stream.tryWrite(ServerSentEvent.ofComment("subscribed to session " + id));
      stream
          .whenComplete()
          .handle(
              (ignored, cause) -> {
                try {
                  subscription.close();
                } catch (Exception e) {
                  log.debug("could not unsubscribe from session {}", id, e);
                }
                return null;
              });
      return ServerSentEvents.fromPublisher(stream);
    } catch (NexusException e) {
      return HttpErrors.json(e).toHttpResponse();
    }
  }
}
