package io.nexusmesh.gateway.api;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.sse.ServerSentEvent;
import com.linecorp.armeria.common.stream.StreamMessage;
import com.linecorp.armeria.common.stream.StreamWriter;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.streaming.ServerSentEvents;
import io.nexusmesh.api.gateway.v1.ExecutionEvent;
import io.nexusmesh.gateway.durable.Executions;
import io.nexusmesh.runtime.auth.Authenticator;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.runtime.server.HttpErrors;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * An execution's events over HTTP as Server-Sent Events, at {@code GET /v1/executions/{id}/events}
 * (optionally {@code ?from_offset=N}, or the standard {@code Last-Event-ID} header on reconnect):
 * one {@code execution-event} per event, its id the offset and its data the event in protobuf JSON.
 * The stream ends after the execution completes.
 */
public final class ExecutionSseService {
  /** The route, with the execution id as path parameter {@code id}. */
  public static final String PATH = "/v1/executions/{id}/events";

  private static final Pattern ID = Pattern.compile("^[A-Za-z0-9_-]{1,64}$");

  private final Executions executions;
  private final Authenticator authenticator;
  private final EventFollower follower;

  public ExecutionSseService(Executions executions, Authenticator authenticator) {
    this.executions = requireNonNull(executions, "executions");
    this.authenticator = requireNonNull(authenticator, "authenticator");
    this.follower = new EventFollower(executions);
  }

  /** The Armeria service to bind at {@link #PATH}. */
  public HttpService service() {
    return (ctx, req) ->
        HttpResponse.of(
            CompletableFuture.supplyAsync(
                () ->
                    open(
                        ctx,
                        req.headers().get(HttpHeaderNames.AUTHORIZATION),
                        req.headers().get("last-event-id")),
                ctx.blockingTaskExecutor()));
  }

  private HttpResponse open(ServiceRequestContext ctx, String authorization, String lastEventId) {
    String id = ctx.pathParam("id");
    long from;
    try {
      Principal caller = authenticator.authenticate(authorization);
      if (id == null || !ID.matcher(id).matches()) {
        throw NexusException.invalidArgument(
            "id", "does not match regex pattern `^[A-Za-z0-9_-]{1,64}$`");
      }
      from = offset(ctx.queryParam("from_offset"), lastEventId);
      executions.get(caller.org(), id).orElseThrow(() -> NexusException.notFound("execution", id));
      ctx.clearRequestTimeout();
      StreamWriter<ServerSentEvent> events = StreamMessage.streaming();
      follower.follow(
          caller.org(),
          id,
          from,
          event ->
              events.tryWrite(
                  ServerSentEvent.builder()
                      .event("execution-event")
                      .id(Long.toString(event.getOffset()))
                      .data(json(event))
                      .build()),
          events::close,
          () -> !events.isOpen());
      return ServerSentEvents.fromPublisher(events);
    } catch (NexusException e) {
      return HttpErrors.json(e).toHttpResponse();
    }
  }

  private static long offset(String query, String lastEventId) {
    try {
      if (query != null) {
        long offset = Long.parseLong(query);
        if (offset >= 0) {
          return offset;
        }
      } else if (lastEventId != null) {
        return Long.parseLong(lastEventId) + 1;
      } else {
        return 0;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw NexusException.invalidArgument("from_offset", "not a non-negative integer");
  }

  private static String json(ExecutionEvent event) {
    try {
      return io.nexusmesh.api.json.JsonNumbers.integral(
          JsonFormat.printer().omittingInsignificantWhitespace().print(event));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
