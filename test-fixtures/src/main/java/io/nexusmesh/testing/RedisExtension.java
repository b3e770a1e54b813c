package io.nexusmesh.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/**
 * Provides a real Redis to tests as a {@link RedisEndpoint} parameter. The server is the {@code
 * redis-server} binary shipped in the {@code org.signal:embedded-redis} artifact, started once per
 * test JVM on a free loopback port with persistence off, checked with {@code PING}, and stopped
 * when the test run ends. When {@code REDIS_URL} is set (e.g. {@code redis://10.0.0.5:6379}) that
 * server is used instead and nothing is started.
 */
public final class RedisExtension extends SharedServerExtension<RedisEndpoint> {
  private static final Logger log = LoggerFactory.getLogger(RedisExtension.class);

  public RedisExtension() {
    super(RedisEndpoint.class, Handle::start);
  }

  /** The shared Redis, started on first use. */
  public static RedisEndpoint endpoint(ExtensionContext context) {
    return new RedisExtension().shared(context);
  }

  /** The running server; closed by JUnit when the root context (the test run) ends. */
  private static final class Handle implements SharedServerExtension.Handle<RedisEndpoint> {
    private final RedisEndpoint endpoint;
    private final @Nullable RedisServer server;

    private Handle(RedisEndpoint endpoint, @Nullable RedisServer server) {
      this.endpoint = endpoint;
      this.server = server;
    }

    @Override
    public RedisEndpoint endpoint() {
      return endpoint;
    }

    static Handle start() {
      String external = System.getenv("REDIS_URL");
      if (external != null && !external.isBlank()) {
        URI uri = URI.create(external);
        var endpoint = new RedisEndpoint(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 6379);
        awaitPong(endpoint);
        log.info("Using the external Redis at {}", endpoint.uri());
        return new Handle(endpoint, null);
      }
      RuntimeException last = null;
      // A port found free can be taken before redis-server binds it; try a few.
      for (int attempt = 0; attempt < 5; attempt++) {
        int port = Ports.freeLoopbackPort();
        RedisServer server =
            RedisServer.builder()
                .bind("127.0.0.1")
                .port(port)
                .setting("save \"\"")
                .setting("appendonly no")
                .build();
        try {
          long started = System.nanoTime();
          server.start();
          var endpoint = new RedisEndpoint("127.0.0.1", port);
          awaitPong(endpoint);
          log.info(
              "Started redis-server on {} in {} ms",
              endpoint.uri(),
              (System.nanoTime() - started) / 1_000_000);
          return new Handle(endpoint, server);
        } catch (RuntimeException e) {
          last = e;
          stopQuietly(server);
        }
      }
      throw new IllegalStateException("could not start redis-server", last);
    }

    @Override
    public void close() {
      if (server != null) {
        stopQuietly(server);
      }
    }

    private static void stopQuietly(RedisServer server) {
      try {
        server.stop();
      } catch (RuntimeException e) {
        log.warn("redis-server did not stop cleanly", e);
      }
    }

    /** Readiness check: the server answers PING with PONG. */
    private static void awaitPong(RedisEndpoint endpoint) {
      try (var socket = new Socket()) {
        socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), 2_000);
        socket.setSoTimeout(2_000);
        OutputStream out = socket.getOutputStream();
        out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        byte[] reply = in.readNBytes(7);
        if (!new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n")) {
          throw new IllegalStateException("Redis at " + endpoint.uri() + " did not answer PONG");
        }
      } catch (IOException e) {
        throw new IllegalStateException("Redis at " + endpoint.uri() + " is not reachable", e);
      }
    }
  }
}
