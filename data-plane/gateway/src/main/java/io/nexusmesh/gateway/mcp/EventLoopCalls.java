package io.nexusmesh.gateway.mcp;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.util.SafeCloseable;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.nexusmesh.gateway.api.WorkflowStarter;
import io.nexusmesh.runtime.auth.Authenticator;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Tells which MCP requests can be served on the event loop that read them, from the first byte to
 * the reply: a {@code tools/call} without a progress token, by a credential checked in memory (an
 * API key), in a session this gateway knows open, of a workflow that runs inline without touching
 * Redis (see {@link WorkflowStarter#startsWithoutBlocking}). Everything else moves to the blocking
 * task executor, as every request did before: the hand-off between threads and the session read
 * were most of a small tool call's cost next to the official MCP SDK's server.
 */
final class EventLoopCalls {
  private final Authenticator authenticator;
  private final WorkflowStarter starter;

  EventLoopCalls(Authenticator authenticator, WorkflowStarter starter) {
    this.authenticator = requireNonNull(authenticator, "authenticator");
    this.starter = requireNonNull(starter, "starter");
  }

  /** What answers an MCP request. */
  @FunctionalInterface
  interface Handler {
    /**
     * Answers {@code request} ({@code parsed}: its body as JSON, null if it is none), by {@code
     * caller} when its credential was already checked, else by the credential it carries.
     */
    HttpResponse handle(
        ServiceRequestContext ctx,
        AggregatedHttpRequest request,
        @Nullable JsonNode parsed,
        @Nullable Principal caller);
  }

  /**
   * The MCP endpoint: each request aggregated and parsed once, then answered by {@code handler} on
   * the event loop when it can be, else on the blocking task executor.
   */
  HttpService service(Handler handler) {
    return (ctx, req) ->
        HttpResponse.of(
            req.aggregate()
                .thenCompose(
                    request -> {
                      JsonNode message = parseOrNull(request);
                      Optional<Principal> caller =
                          ctx.eventLoop().inEventLoop()
                              ? servable(request, message)
                              : Optional.empty();
                      if (caller.isPresent()) {
                        // The aggregation's callback may run without the request's context.
                        try (SafeCloseable pushed = ctx.push()) {
                          return CompletableFuture.completedFuture(
                              handler.handle(ctx, request, message, caller.get()));
                        }
                      }
                      return CompletableFuture.supplyAsync(
                          () -> handler.handle(ctx, request, message, null),
                          ctx.blockingTaskExecutor());
                    }));
  }

  /** The body as JSON, or null when it is none (the handler answers with the parse error). */
  private static @Nullable JsonNode parseOrNull(AggregatedHttpRequest request) {
    if (request.method() != HttpMethod.POST) {
      return null;
    }
    try {
      return JsonRpc.JSON.readTree(request.contentUtf8());
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /**
   * The caller of {@code request}, whose body parsed as {@code message}, when it can be served
   * without blocking; empty when it should move off the event loop.
   */
  private Optional<Principal> servable(AggregatedHttpRequest request, @Nullable JsonNode message) {
    if (message == null
        || request.method() != HttpMethod.POST
        || !"tools/call".equals(message.path("method").asText(null))) {
      return Optional.empty();
    }
    JsonNode params = message.path("params");
    String session = request.headers().get(McpService.SESSION_HEADER);
    String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
    if (session == null
        || !params.path("name").isTextual()
        || params.path("_meta").has("progressToken")
        || authenticator.mayBlock(authorization)) {
      return Optional.empty();
    }
    Principal caller;
    try {
      caller = WorkflowStarter.runner(authenticator.authenticate(authorization));
    } catch (NexusException refused) {
      return Optional.empty(); // refused where the answer is built
    }
    return starter.startsWithoutBlocking(caller, params.get("name").asText(), "", session)
        ? Optional.of(caller)
        : Optional.empty();
  }
}
