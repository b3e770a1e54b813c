package io.nexusmesh.runtime.telemetry;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;
import org.jspecify.annotations.Nullable;

/**
 * The channel a request came through, as the {@code channel} label of every Nexus Mesh metric names
 * it: {@code grpc}, {@code grpc-web}, {@code rest} (JSON over HTTP, transcoded), {@code mcp},
 * {@code sse}, {@code websocket}, or {@code internal} for work no request carried (a resumed
 * execution, an agent's tool call inside the gateway).
 */
public final class Channels {
  /** The channel of work no request carried. */
  public static final String INTERNAL = "internal";

  private Channels() {}

  /** The channel of the request being served on this thread, {@link #INTERNAL} without one. */
  public static String current() {
    return of(ServiceRequestContext.currentOrNull());
  }

  /** The channel of the request {@code ctx} serves, {@link #INTERNAL} without one. */
  public static String of(@Nullable ServiceRequestContext ctx) {
    if (ctx == null) {
      return INTERNAL;
    }
    return of(ctx.path(), ctx.request().headers());
  }

  /** The channel of a request to {@code path} with {@code headers}. */
  static String of(String path, RequestHeaders headers) {
    if (path.equals("/mcp") || path.startsWith("/mcp/")) {
      return "mcp";
    }
    if ("websocket".equalsIgnoreCase(headers.get(HttpHeaderNames.UPGRADE, ""))
        || path.endsWith("/ws")) {
      return "websocket";
    }
    String contentType = headers.get(HttpHeaderNames.CONTENT_TYPE, "");
    if (contentType.startsWith("application/grpc-web")) {
      return "grpc-web";
    }
    if (contentType.startsWith("application/grpc")) {
      return "grpc";
    }
    if (headers.get(HttpHeaderNames.ACCEPT, "").contains("text/event-stream")
        || path.endsWith("/events")) {
      return "sse";
    }
    return "rest";
  }
}
