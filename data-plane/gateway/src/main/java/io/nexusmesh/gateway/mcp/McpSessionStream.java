package io.nexusmesh.gateway.mcp;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.sse.ServerSentEvent;
import com.linecorp.armeria.common.stream.StreamMessage;
import com.linecorp.armeria.common.stream.StreamWriter;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.streaming.ServerSentEvents;
import io.nexusmesh.gateway.session.SessionEvents;
import io.nexusmesh.gateway.session.Sessions;
import io.nexusmesh.runtime.auth.Principal;
import org.jspecify.annotations.Nullable;

/**
 * The MCP session's standalone stream ({@code GET /mcp}): its events, from any channel and gateway,
 * as {@code notifications/message} (MCP logging, logger {@code nexusmesh.session}) until the client
 * leaves.
 */
final class McpSessionStream {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Sessions sessions;
  private final SessionEvents sessionEvents;

  McpSessionStream(Sessions sessions, SessionEvents sessionEvents) {
    this.sessions = requireNonNull(sessions, "sessions");
    this.sessionEvents = requireNonNull(sessionEvents, "sessionEvents");
  }

  /** The stream of {@code caller}'s session {@code session}: 400 without one, 404 if not open. */
  HttpResponse open(ServiceRequestContext ctx, Principal caller, @Nullable String session) {
    if (session == null || !sessions.isOpen(caller, session)) {
      return HttpResponse.of(session == null ? HttpStatus.BAD_REQUEST : HttpStatus.NOT_FOUND);
    }
    ctx.clearRequestTimeout();
    StreamWriter<ServerSentEvent> stream = StreamMessage.streaming();
    AutoCloseable subscription =
        sessionEvents.subscribe(
            session,
            event -> {
              ObjectNode params = NODES.objectNode();
              params.put("level", "info");
              params.put("logger", "nexusmesh.session");
              try {
                params.set("data", JsonRpc.JSON.readTree(SessionEvents.json(event)));
              } catch (JsonProcessingException e) {
                return;
              }
              stream.tryWrite(
                  ServerSentEvent.ofData(JsonRpc.notification("notifications/message", params)));
            });
    // Armeria sends the headers with the first event: a comment, so the client sees it open.
    stream.tryWrite(ServerSentEvent.ofComment("session " + session));
    stream.whenComplete().handle((ignored, cause) -> closeQuietly(subscription));
    return ServerSentEvents.fromPublisher(
        ResponseHeaders.builder(HttpStatus.OK)
            .contentType(MediaType.EVENT_STREAM)
            .add(McpService.SESSION_HEADER, session)
            .build(),
        stream);
  }

  private static @Nullable Void closeQuietly(AutoCloseable subscription) {
    try {
      subscription.close();
    } catch (Exception e) {
      // the listener goes with the topic either way
    }
    return null;
  }
}
