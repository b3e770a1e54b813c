package io.nexusmesh.gateway.panel;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketCloseStatus;
import com.linecorp.armeria.common.websocket.WebSocketWriter;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.websocket.WebSocketService;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.gateway.api.WorkflowStarter;
import io.nexusmesh.gateway.engine.OrgAccess;
import io.nexusmesh.runtime.auth.Authenticator;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.runtime.relay.HttpRelay;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The traffic gateway: {@value #PATH}{@code NAME/...} reaches the web UI (HTTP and WebSocket) of
 * the caller's organisation's panel NAME. The caller's credential is checked here (an API key or a
 * gateway token, as for every channel) and never passed on; another organisation's panel, or one
 * not running, is 404, exactly as if it did not exist. The request goes to the sidecar of the
 * panel's current instance ({@code /ui/...} with the instance's invoke key), which hands it to the
 * user server; the panel learns who is calling from {@value #USER_HEADER}.
 */
public final class PanelTrafficService {
  /** Where panels' UIs are served. */
  public static final String PATH = "/panels/";

  /** The caller's subject, as the panel sees it. */
  public static final String USER_HEADER = "x-nexus-user";

  private final Authenticator authenticator;
  private final OrgAccess access;
  private final PanelAddresses addresses;
  private final HttpRelay relay;

  public PanelTrafficService(
      Authenticator authenticator, OrgAccess access, PanelAddresses addresses, HttpRelay relay) {
    this.authenticator = requireNonNull(authenticator, "authenticator");
    this.access = requireNonNull(access, "access");
    this.addresses = requireNonNull(addresses, "addresses");
    this.relay = requireNonNull(relay, "relay");
  }

  /** The service to mount under {@value #PATH}. */
  public HttpService service() {
    // Origins are not checked: the credential is a header a page of another site cannot attach.
    return WebSocketService.builder(this::webSocket)
        .allowedOrigin(origin -> true)
        .fallbackService(this::http)
        .build();
  }

  /** Where a request goes, or why it does not. */
  private sealed interface Route permits Routed, Refused {}

  private record Routed(HttpRelay.Target target) implements Route {}

  private record Refused(HttpStatus status, String message) implements Route {}

  private Route route(ServiceRequestContext ctx, RequestHeaders headers) {
    Principal caller;
    try {
      caller =
          WorkflowStarter.runner(
              authenticator.authenticate(headers.get(HttpHeaderNames.AUTHORIZATION)));
    } catch (NexusException e) {
      return new Refused(
          e.reason() == ErrorReason.ERROR_REASON_PERMISSION_DENIED
              ? HttpStatus.FORBIDDEN
              : HttpStatus.UNAUTHORIZED,
          e.getMessage());
    }
    String mapped = ctx.mappedPath().substring(1);
    int slash = mapped.indexOf('/');
    String name = slash < 0 ? mapped : mapped.substring(0, slash);
    String rest = slash < 0 ? "/" : mapped.substring(slash);
    Optional<ReachablePanel> panel = access.panel(caller.org(), name);
    if (panel.isEmpty()) {
      return new Refused(HttpStatus.NOT_FOUND, "the organisation has no running panel " + name);
    }
    var endpoint = addresses.endpoint(panel.get());
    if (endpoint.isEmpty()) {
      return new Refused(
          HttpStatus.SERVICE_UNAVAILABLE, "panel " + name + " has no endpoint that takes traffic");
    }
    String query = ctx.query();
    return new Routed(
        new HttpRelay.Target(
            endpoint.get(),
            "/ui" + rest + (query == null ? "" : "?" + query),
            Map.of(
                HttpHeaderNames.AUTHORIZATION.toString(),
                "Bearer " + panel.get().invokeKey(),
                USER_HEADER,
                caller.subject())));
  }

  /**
   * {@link #route} off the event loop: checking a token may fetch the issuer's keys, and a panel
   * asked for the first time waits for its endpoints to be pushed.
   */
  private CompletableFuture<Route> routeLater(ServiceRequestContext ctx, RequestHeaders headers) {
    return CompletableFuture.supplyAsync(() -> route(ctx, headers), ctx.blockingTaskExecutor());
  }

  private HttpResponse http(ServiceRequestContext ctx, HttpRequest request) {
    return HttpResponse.of(
        routeLater(ctx, request.headers())
            .thenApply(
                route ->
                    switch (route) {
                      case Refused refused ->
                          HttpResponse.ofJson(refused.status(), Map.of("error", refused.message()));
                      case Routed routed -> {
                        ctx.clearRequestTimeout(); // a UI may stream (events, downloads)
                        yield relay.forward(request, routed.target());
                      }
                    }));
  }

  private WebSocket webSocket(ServiceRequestContext ctx, WebSocket in) {
    RequestHeaders headers = ctx.request().headers();
    WebSocketWriter out = WebSocket.streaming();
    routeLater(ctx, headers)
        .handle(
            (route, failure) -> {
              if (route instanceof Routed routed) {
                relay.relay(in, headers, routed.target(), out);
              } else {
                in.abort();
                out.close(
                    WebSocketCloseStatus.POLICY_VIOLATION,
                    route instanceof Refused refused
                        ? refused.status().code() + " " + refused.message()
                        : "the request could not be routed");
              }
              return null;
            });
    return out;
  }
}
