// A Nexus Mesh panel: any web server that answers GET /manifest and POST /mcp/execute on :8080 ($PORT when set).
// No SDK and no dependency beyond the JDK (run as a single-file program: java Panel.java). The
// sidecar beside it holds every credential; this code holds none. Requests from the sidecar carry
// X-Nexus-App-Token, which must equal the NEXUS_APP_TOKEN this server was started with.
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class Panel {
  static final String APP_TOKEN = System.getenv().getOrDefault("NEXUS_APP_TOKEN", "");
  static final String MANIFEST =
      "{\"tools\":[{\"name\":\"greet\",\"desc\":\"Greets someone by name.\",\"inputSchema\":"
          + "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"minLength\":1}},"
          + "\"required\":[\"name\"]}},{\"name\":\"add\",\"desc\":\"Adds two numbers a and b.\"}]}";

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    server.createContext("/", Panel::handle);
    server.start();
    System.out.println("panel listening on 127.0.0.1:" + port);
  }

  static void handle(HttpExchange exchange) throws IOException {
    String token = exchange.getRequestHeaders().getFirst("X-Nexus-App-Token");
    if (!APP_TOKEN.isEmpty()
        && !MessageDigest.isEqual(
            APP_TOKEN.getBytes(StandardCharsets.UTF_8),
            (token == null ? "" : token).getBytes(StandardCharsets.UTF_8))) {
      reply(exchange, 403, "{\"error\":\"not my sidecar\"}");
      return;
    }
    String path = exchange.getRequestURI().getPath();
    if (exchange.getRequestMethod().equals("GET") && path.equals("/manifest")) {
      reply(exchange, 200, MANIFEST);
    } else if (exchange.getRequestMethod().equals("POST") && path.equals("/mcp/execute")) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String tool = field(body, "\"tool\"\\s*:\\s*\"([^\"]*)\"");
      if ("greet".equals(tool)) {
        String name = field(body, "\"name\"\\s*:\\s*\"([^\"]*)\"");
        reply(exchange, 200, "{\"greeting\":\"Hello, " + name + "!\"}");
      } else if ("add".equals(tool)) {
        double a = number(body, "a");
        double b = number(body, "b");
        double sum = a + b;
        reply(exchange, 200, "{\"sum\":" + (sum == Math.rint(sum) ? Long.toString((long) sum) : Double.toString(sum)) + "}");
      } else {
        reply(exchange, 404, "{\"error\":\"no tool " + tool + "\"}");
      }
    } else {
      reply(exchange, 404, "{\"error\":\"no such path\"}");
    }
  }

  // A template without dependencies: a real panel would use a JSON library.
  static String field(String json, String regex) {
    Matcher m = Pattern.compile(regex).matcher(json);
    return m.find() ? m.group(1) : "";
  }

  static double number(String json, String name) {
    String value = field(json, "\"" + name + "\"\\s*:\\s*(-?[0-9.eE+-]+)");
    return value.isEmpty() ? 0 : Double.parseDouble(value);
  }

  static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }
}
