package io.nexusmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A caller's numbers come back as they were sent, on every channel of the gateway: integers as
 * integers up to 2^53 (both signs), fractions as fractions; an integer beyond 2^53 is refused with
 * the field named rather than rounded. The workflow echoes its input.
 */
@ExtendWith(RedisExtension.class)
class JsonNumbersChannelsTest {
  private static final String NUMBERS =
      "{\"one\": 1, \"zero\": 0, \"max\": 9007199254740992, \"min\": -9007199254740992,"
          + " \"half\": 1.5, \"list\": [2, 3.25]}";
  private static final String BIG = "{\"big\": 9007199254740993}";
  private static final HttpClient http = io.nexusmesh.testing.TestHttp.client();

  static GatewayHarness gateway;
  static String org;

  @BeforeAll
  static void start(RedisEndpoint redis) {
    gateway = GatewayHarness.start(redis);
    org = GatewayHarness.newOrg();
    gateway.deploy(
        org,
        "echo",
        "{\"nodes\": [{\"id\": \"same\", \"transform\": {\"expression\": \"input\"}}]}");
  }

  @AfterAll
  static void stop() throws InterruptedException {
    gateway.close();
  }

  private static void assertExact(String json) {
    // Timestamps ("...T20:33:21.065Z") are no numbers of the payload: drop them before looking.
    String compact =
        json.replaceAll("\\s", "").replaceAll("\"\\d{4}-\\d{2}-\\d{2}T[0-9:.]+Z\"", "\"<time>\"");
    assertThat(compact)
        .contains("\"one\":1", "\"zero\":0", "\"max\":9007199254740992")
        .contains("\"min\":-9007199254740992", "\"half\":1.5", "[2,3.25]")
        .doesNotContain("1.0", "E15", "9.007");
  }

  private static HttpResponse<String> rest(String method, String path, String body)
      throws Exception {
    var request =
        HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
            .header("authorization", "Bearer " + gateway.apiKey(org))
            .header("content-type", "application/json");
    request.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void restKeepsNumbersAndRefusesAnIntegerADoubleCannotHold() throws Exception {
    var ok = rest("POST", "/v1/workflows/echo:execute", "{\"input\": " + NUMBERS + "}");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertExact(ok.body());

    var refused = rest("POST", "/v1/workflows/echo:execute", "{\"input\": " + BIG + "}");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("INVALID_ARGUMENT", "input.big", "2^53");

    // What was stored reads back the same way.
    String id = ok.body().replaceAll("(?s).*\"executionId\":\"([0-9a-f]+)\".*", "$1");
    var stored = rest("GET", "/v1/executions/" + id, null);
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
    assertExact(stored.body());

    // Server-Sent Events of the execution carry the same numbers.
    var events = rest("GET", "/v1/executions/" + id + "/events", null);
    assertThat(events.statusCode()).isEqualTo(200);
    assertExact(events.body());
  }

  @Test
  void grpcWebJsonKeepsNumbers() throws Exception {
    byte[] message =
        ("{\"workflow\": \"echo\", \"input\": " + NUMBERS + "}").getBytes(StandardCharsets.UTF_8);
    ByteBuffer frame = ByteBuffer.allocate(5 + message.length);
    frame.put((byte) 0).putInt(message.length).put(message);
    var response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(gateway.baseUrl() + "/nexus.gateway.v1.ExecutionService/Execute"))
                .header("authorization", "Bearer " + gateway.apiKey(org))
                .header("content-type", "application/grpc-web+json")
                .header("x-grpc-web", "1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(frame.array()))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    ByteBuffer body = ByteBuffer.wrap(response.body());
    assertThat(body.get()).isZero(); // a data frame comes first
    byte[] json = new byte[body.getInt()];
    body.get(json);
    assertExact(new String(json, StandardCharsets.UTF_8));

    byte[] big =
        ("{\"workflow\": \"echo\", \"input\": " + BIG + "}").getBytes(StandardCharsets.UTF_8);
    var bigFrame = new ByteArrayOutputStream();
    bigFrame.write(0);
    bigFrame.write(ByteBuffer.allocate(4).putInt(big.length).array());
    bigFrame.write(big);
    var refused =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(gateway.baseUrl() + "/nexus.gateway.v1.ExecutionService/Execute"))
                .header("authorization", "Bearer " + gateway.apiKey(org))
                .header("content-type", "application/grpc-web+json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bigFrame.toByteArray()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    String status = refused.headers().firstValue("grpc-status").orElse(refused.body());
    assertThat(status).contains("3"); // INVALID_ARGUMENT
  }

  @Test
  void mcpStructuredContentKeepsNumbersAndArgumentsBeyond2To53AreRefused() throws Exception {
    String key = gateway.apiKey(org);
    String session = McpTest.initialize(gateway, key);
    var answer =
        McpTest.post(
            gateway,
            key,
            session,
            "{\"jsonrpc\": \"2.0\", \"id\": 2, \"method\": \"tools/call\", \"params\": {\"name\": \"echo\", \"arguments\": "
                + NUMBERS
                + "}}");
    assertThat(answer.status()).isEqualTo(200);
    assertExact(answer.body().path("result").path("structuredContent").toString());
    assertExact(answer.body().path("result").path("content").get(0).path("text").asText());

    var refused =
        McpTest.post(
            gateway,
            key,
            session,
            "{\"jsonrpc\": \"2.0\", \"id\": 3, \"method\": \"tools/call\", \"params\": {\"name\": \"echo\", \"arguments\": "
                + BIG
                + "}}");
    assertThat(refused.body().path("error").path("message").asText())
        .contains("params.arguments.big", "2^53");
  }

  @Test
  void celSeesInputNumbersAsDoubles() throws Exception {
    gateway.deploy(
        org,
        "arith",
        "{\"nodes\": [{\"id\": \"a\", \"transform\": {\"expression\":"
            + " \"{'twice': input.n * 2.0, 'asInt': int(input.n), 'big': input.n > 1.0}\"}}]}");
    var ok = rest("POST", "/v1/workflows/arith:execute", "{\"input\": {\"n\": 3}}");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(ok.body().replaceAll("\\s", ""))
        .contains("\"twice\":6", "\"asInt\":3", "\"big\":true");

    gateway.deploy(
        org,
        "mixed",
        "{\"nodes\": [{\"id\": \"a\", \"transform\": {\"expression\": \"input.n * 2\"}}]}");
    var mixed = rest("POST", "/v1/workflows/mixed:execute", "{\"input\": {\"n\": 3}}");
    assertThat(mixed.statusCode()).isEqualTo(400);
    assertThat(mixed.body()).contains("FAILED_PRECONDITION", "overload");
  }

  @Test
  void sessionEventsOverWebSocketKeepNumbersAndAMessageBeyond2To53IsRefused() throws Exception {
    var created = rest("POST", "/v1/sessions", "{}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    String id = created.body().replaceAll("(?s).*?\"id\":\\s*\"([0-9a-f]+)\".*", "$1");
    java.util.concurrent.BlockingQueue<String> frames =
        new java.util.concurrent.LinkedBlockingQueue<>();
    var socket =
        http.newWebSocketBuilder()
            .header("authorization", "Bearer " + gateway.apiKey(org))
            .header("origin", gateway.baseUrl())
            .buildAsync(
                URI.create(
                    gateway.baseUrl().replace("http:", "ws:") + "/v1/sessions/" + id + "/ws"),
                new java.net.http.WebSocket.Listener() {
                  @Override
                  public java.util.concurrent.CompletionStage<?> onText(
                      java.net.http.WebSocket ws, CharSequence data, boolean last) {
                    frames.add(data.toString());
                    ws.request(1);
                    return null;
                  }
                })
            .join();
    try {
      await()
          .atMost(java.time.Duration.ofSeconds(20))
          .until(
              () -> {
                var posted =
                    rest(
                        "POST",
                        "/v1/sessions/" + id + "/messages",
                        "{\"message\": " + NUMBERS + "}");
                assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
                return !frames.isEmpty();
              });
      assertExact(frames.take());
      var refused = rest("POST", "/v1/sessions/" + id + "/messages", "{\"message\": " + BIG + "}");
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(refused.body()).contains("message.big", "2^53");
    } finally {
      socket.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "done").join();
    }
  }
}
