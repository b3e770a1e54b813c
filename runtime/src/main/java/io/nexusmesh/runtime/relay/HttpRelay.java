package io.nexusmesh.runtime.relay;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.websocket.WebSocketClient;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketCloseStatus;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketWriter;
import io.netty.util.AsciiString;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Forwards a caller's HTTP request, or relays a WebSocket frame by frame, to an upstream at a new
 * path, without the caller's credential (it is the forwarder's to check, never the upstream's to
 * see) and with the forwarder's own headers added. Streams both ways without buffering, so
 * server-sent events and long downloads pass through. Written here because Armeria has no reverse
 * proxy: its clients and servers are the parts, this joins them.
 */
public final class HttpRelay implements AutoCloseable {
  private static final Set<AsciiString> DROPPED =
      Set.of(
          HttpHeaderNames.AUTHORIZATION,
          HttpHeaderNames.COOKIE,
          HttpHeaderNames.HOST,
          HttpHeaderNames.CONNECTION,
          HttpHeaderNames.UPGRADE,
          HttpHeaderNames.SEC_WEBSOCKET_KEY,
          HttpHeaderNames.SEC_WEBSOCKET_VERSION,
          HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS);

  private final ClientFactory factory;

  public HttpRelay() {
    this.factory =
        ClientFactory.builder()
            .connectTimeout(Duration.ofSeconds(2))
            .idleTimeout(Duration.ofMinutes(1))
            .build();
  }

  /** Where a request goes: an upstream endpoint, a path there, headers to add. */
  public record Target(Endpoint endpoint, String path, Map<String, String> headers) {
    public Target {
      requireNonNull(endpoint, "endpoint");
      requireNonNull(path, "path");
      headers = Map.copyOf(headers);
    }
  }

  /** Sends {@code request} on to {@code target} and streams back what it answers. */
  public HttpResponse forward(HttpRequest request, Target target) {
    com.linecorp.armeria.common.RequestHeadersBuilder headers =
        request.headers().toBuilder().path(target.path());
    DROPPED.forEach(headers::remove);
    target.headers().forEach(headers::set);
    WebClient client =
        WebClient.builder(SessionProtocol.H1C, target.endpoint())
            .factory(factory)
            .responseTimeoutMillis(0)
            .maxResponseLength(0)
            .build();
    return client.execute(request.withHeaders(headers.build()));
  }

  /**
   * Opens a WebSocket to {@code target} and relays frames both ways; when either side closes, the
   * other is closed with the same status.
   */
  public WebSocket relay(WebSocket in, RequestHeaders callerHeaders, Target target) {
    return relay(in, callerHeaders, target, WebSocket.streaming());
  }

  /**
   * {@link #relay(WebSocket, RequestHeaders, Target)} writing the upstream's frames to {@code out}.
   */
  public WebSocketWriter relay(
      WebSocket in, RequestHeaders callerHeaders, Target target, WebSocketWriter out) {
    com.linecorp.armeria.common.HttpHeadersBuilder headers = HttpHeaders.builder();
    callerHeaders.forEach(
        (name, value) -> {
          if (!name.toString().startsWith(":") && !DROPPED.contains(name)) {
            headers.add(name, value);
          }
        });
    target.headers().forEach(headers::set);
    WebSocketClient.builder(SessionProtocol.H1C, target.endpoint())
        .factory(factory)
        .build()
        .connect(target.path(), headers.build())
        .handle(
            (session, failure) -> {
              if (failure != null) {
                in.abort();
                out.close(
                    WebSocketCloseStatus.INTERNAL_SERVER_ERROR, "the upstream is unavailable");
                return null;
              }
              session.setOutbound(in);
              session.inbound().subscribe(new Pipe(out));
              return null;
            });
    return out;
  }

  /** Writes every frame of one WebSocket to another, closing it when the first ends. */
  private static final class Pipe implements Subscriber<WebSocketFrame> {
    private final WebSocketWriter out;

    Pipe(WebSocketWriter out) {
      this.out = out;
    }

    @Override
    public void onSubscribe(Subscription subscription) {
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(WebSocketFrame frame) {
      if (!out.tryWrite(frame)) {
        frame.close();
      }
    }

    @Override
    public void onError(Throwable t) {
      out.close(WebSocketCloseStatus.INTERNAL_SERVER_ERROR, "the upstream failed");
    }

    @Override
    public void onComplete() {
      out.close();
    }
  }

  @Override
  public void close() {
    factory.close();
  }
}
