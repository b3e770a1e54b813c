package io.nexusmesh.sidecar.ui;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketCloseStatus;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.websocket.WebSocketService;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.runtime.relay.HttpRelay;
import io.nexusmesh.sidecar.PanelApp;
import io.nexusmesh.sidecar.invoke.InvokeKeyAuthenticator;
import java.util.Map;

/**
 * {@value #PATH}{@code ...} on the sidecar's mesh port: the panel's web UI (HTTP and WebSocket),
 * for the traffic gateway only. The caller must present this instance's invoke key (which only the
 * panel's organisation's gateways hold); the request then goes on to the user server at the same
 * path below {@value #PATH}, with the app token instead of the key.
 */
public final class PanelUiService {
  /** Where the UI is served on the mesh port. */
  public static final String PATH = "/ui/";

  private final InvokeKeyAuthenticator keys;
  private final PanelApp app;
  private final HttpRelay relay;

  public PanelUiService(InvokeKeyAuthenticator keys, PanelApp app, HttpRelay relay) {
    this.keys = requireNonNull(keys, "keys");
    this.app = requireNonNull(app, "app");
    this.relay = requireNonNull(relay, "relay");
  }

  /** The service to mount under {@value #PATH}. */
  public HttpService service() {
    return WebSocketService.builder(this::webSocket)
        .allowedOrigin(origin -> true) // the gateway checked the caller; the key checks the gateway
        .fallbackService(this::http)
        .build();
  }

  private HttpRelay.Target target(ServiceRequestContext ctx) {
    String rest = ctx.mappedPath();
    String query = ctx.query();
    String path = (rest.startsWith("/") ? rest : "/" + rest) + (query == null ? "" : "?" + query);
    return new HttpRelay.Target(
        app.endpoint(), path, Map.of(PanelApp.TOKEN_HEADER, app.appToken()));
  }

  private HttpResponse http(ServiceRequestContext ctx, HttpRequest request) {
    try {
      keys.authenticate(request.headers().get(HttpHeaderNames.AUTHORIZATION));
    } catch (NexusException e) {
      return HttpResponse.of(HttpStatus.UNAUTHORIZED, MediaType.PLAIN_TEXT_UTF_8, e.getMessage());
    }
    return relay.forward(request, target(ctx));
  }

  private WebSocket webSocket(ServiceRequestContext ctx, WebSocket in) {
    try {
      keys.authenticate(ctx.request().headers().get(HttpHeaderNames.AUTHORIZATION));
    } catch (NexusException e) {
      in.abort();
      var out = WebSocket.streaming();
      out.close(WebSocketCloseStatus.POLICY_VIOLATION, "not this panel instance's invoke key");
      return out;
    }
    return relay.relay(in, ctx.request().headers(), target(ctx));
  }
}
