package io.nexusmesh.controlplane.audit;

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
import io.nexusmesh.api.controlplane.v1.AuditEvent;
import io.nexusmesh.controlplane.authz.Authz;
import io.nexusmesh.controlplane.authz.Permission;
import io.nexusmesh.controlplane.server.HttpEndpoint;
import io.nexusmesh.controlplane.store.AuditFeed;
import io.nexusmesh.runtime.auth.Authenticator;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.runtime.server.HttpErrors;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.springframework.stereotype.Component;

/**
 * The live audit tail over HTTP as Server-Sent Events at {@code GET /v1/auditEvents:stream}
 * (optionally {@code ?action=...&resource=...}): each committed event of the caller's organisation
 * is one {@code audit} event whose data is the event in protobuf JSON. A comment is sent every 15 s
 * so proxies keep the connection open.
 */
@Component
public class AuditSseEndpoint implements HttpEndpoint {
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

  private final AuditFeed feed;
  private final Authenticator authenticator;

  public AuditSseEndpoint(AuditFeed feed, Authenticator authenticator) {
    this.feed = requireNonNull(feed, "feed");
    this.authenticator = requireNonNull(authenticator, "authenticator");
  }

  @Override
  public String path() {
    return "/v1/auditEvents:stream";
  }

  @Override
  public HttpService service() {
    return (ctx, req) ->
        HttpResponse.of(
            CompletableFuture.supplyAsync(
                () -> open(ctx, req.headers().get(HttpHeaderNames.AUTHORIZATION)),
                ctx.blockingTaskExecutor()));
  }

  private HttpResponse open(ServiceRequestContext ctx, String authorization) {
    Principal caller;
    try {
      caller = Authz.require(authenticator.authenticate(authorization), Permission.AUDIT_READ);
    } catch (NexusException e) {
      return HttpErrors.json(e).toHttpResponse();
    }
    String action = ctx.queryParam("action");
    String resource = ctx.queryParam("resource");
    ctx.clearRequestTimeout();
    StreamWriter<ServerSentEvent> events = StreamMessage.streaming();
    AutoCloseable subscription =
        feed.subscribe(
            event -> {
              boolean wanted =
                  event.getOrg().equals(caller.org())
                      && (action == null || action.equals(event.getAction()))
                      && (resource == null || resource.equals(event.getResource()));
              if (wanted) {
                events.tryWrite(
                    ServerSentEvent.builder()
                        .event("audit")
                        .id(event.getId())
                        .data(json(event))
                        .build());
              }
            });
    var keepAlive =
        ctx.eventLoop()
            .scheduleAtFixedRate(
                () -> events.tryWrite(ServerSentEvent.ofComment("keep-alive")),
                KEEP_ALIVE.toMillis(),
                KEEP_ALIVE.toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS);
    events
        .whenComplete()
        .handle(
            (ignored, cause) -> {
              keepAlive.cancel(false);
              try {
                subscription.close();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
              return null;
            });
    // An initial comment lets clients see the stream is open before the first event.
    events.tryWrite(ServerSentEvent.ofComment("subscribed"));
    return ServerSentEvents.fromPublisher(events);
  }

  private static String json(AuditEvent event) {
    try {
      return io.nexusmesh.api.json.JsonNumbers.integral(
          JsonFormat.printer().omittingInsignificantWhitespace().print(event));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
