package io.nexusmesh.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The benchmark's panel: a plain JDK HTTP server (as the Java template is) with one tool, {@code
 * echo}, that answers {@code {"echo": true}}. Both paths under test reach this same server.
 */
final class BenchPanel implements AutoCloseable {
  static final String MANIFEST = "{\"tools\": [{\"name\": \"echo\", \"desc\": \"Echoes.\"}]}";

  private final HttpServer server;

  private BenchPanel(HttpServer server) {
    this.server = server;
  }

  static BenchPanel start() throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", BenchPanel::handle);
    server.start();
    return new BenchPanel(server);
  }

  int port() {
    return server.getAddress().getPort();
  }

  private static void handle(HttpExchange exchange) throws IOException {
    exchange.getRequestBody().readAllBytes();
    String path = exchange.getRequestURI().getPath();
    byte[] body =
        (path.equals("/manifest") ? MANIFEST : "{\"echo\": true}").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, body.length);
    exchange.getResponseBody().write(body);
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
