package io.nexusmesh.sidecar.proxy;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.util.DomainSocketAddress;
import com.linecorp.armeria.server.Route;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.throttling.ThrottlingService;
import com.linecorp.armeria.server.throttling.ThrottlingStrategy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * The server the user code reaches the sidecar on: loopback only (or a Unix socket), two exact
 * paths ({@code POST /proxy}, {@code GET /subscribe}), bodies of at most {@value #MAX_BODY_BYTES}
 * bytes, and at most {@value #MAX_PER_SECOND} requests a second (then 429 with {@code
 * Retry-After}). Anything else is 404.
 */
public final class ProxyServer {
  /** The largest message the user code may publish. */
  public static final int MAX_BODY_BYTES = 64 * 1024;

  /** Requests a second the user code may make. */
  public static final int MAX_PER_SECOND = 200;

  private ProxyServer() {}

  /** A server for {@code proxy} on loopback {@code port}, or on {@code socket} when given. */
  public static Server build(BusProxy proxy, int port, Optional<String> socket) {
    ServerBuilder sb = Server.builder();
    if (socket.isPresent()) {
      sb.port(DomainSocketAddress.of(socket.get()), SessionProtocol.HTTP);
    } else {
      sb.port(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), SessionProtocol.HTTP);
    }
    return sb.maxRequestLength(MAX_BODY_BYTES)
        .requestTimeout(Duration.ofSeconds(10))
        .service(
            Route.builder()
                .exact("/proxy")
                .methods(com.linecorp.armeria.common.HttpMethod.POST)
                .build(),
            proxy.publish())
        .service(
            Route.builder()
                .exact("/subscribe")
                .methods(com.linecorp.armeria.common.HttpMethod.GET)
                .build(),
            proxy.subscribe())
        .decorator(
            ThrottlingService.newDecorator(
                throttling(),
                (delegate, ctx, req, cause) ->
                    HttpResponse.builder()
                        .status(HttpStatus.TOO_MANY_REQUESTS)
                        .header("retry-after", "1")
                        .content(
                            com.linecorp.armeria.common.MediaType.JSON_UTF_8,
                            "{\"error\":\"more than " + MAX_PER_SECOND + " requests a second\"}")
                        .build()))
        .build();
  }

  /** At most {@value #MAX_PER_SECOND} requests a second, a burst of as many allowed at any time. */
  private static ThrottlingStrategy<com.linecorp.armeria.common.HttpRequest> throttling() {
    TokenBucket bucket = new TokenBucket(MAX_PER_SECOND);
    return ThrottlingStrategy.of(
        (ctx, req) -> java.util.concurrent.CompletableFuture.completedFuture(bucket.tryTake()),
        "nexus-proxy-" + MAX_PER_SECOND + "-per-second");
  }
}
