package io.nexusmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusmesh.api.gateway.v1.GetSessionRequest;
import io.nexusmesh.api.gateway.v1.SessionServiceGrpc;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The MCP endpoint spoken to over HTTP as an MCP client does: authentication and its discovery,
 * sessions (kept in Redis: a session opened on one gateway works on another), tools/list scoped to
 * the caller's organisation and key, tools/call with structured output and tool errors, and the
 * JSON-RPC error codes for malformed messages.
 */
@ExtendWith(RedisExtension.class)
class McpTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient http = io.nexusmesh.testing.TestHttp.client();
  static GatewayHarness a;
  static GatewayHarness b;
  static String org;
  static String otherOrg;

  @BeforeAll
  static void start(RedisEndpoint redis) {
    a = GatewayHarness.start(redis);
    b = GatewayHarness.start(redis);
    org = GatewayHarness.newOrg();
    otherOrg = GatewayHarness.newOrg();
    for (GatewayHarness g : new GatewayHarness[] {a, b}) {
      g.deploy(org, "hello", ExecutionApiTest.HELLO);
      g.deploy(
          org,
          "broken",
          """
          {"nodes": [{"id": "t", "transform": {"expression": "input.missing.field"}}]}""");
      g.deploy(otherOrg, "secret", ExecutionApiTest.HELLO);
      deployToolsForAgents(g, org);
    }
  }

  @AfterAll
  static void stop() throws InterruptedException {
    a.close();
    b.close();
  }

  /** A three-node workflow ({@code n -> {result: (n + 1) * 2}}) and one that waits for a signal. */
  static void deployToolsForAgents(GatewayHarness gateway, String org) {
    gateway.deploy(
        org,
        "three-steps",
        """
        {"nodes": [{"id": "a", "transform": {"expression": "input.n + 1.0"}},
                   {"id": "b", "transform": {"expression": "nodes.a * 2.0"}},
                   {"id": "c", "transform": {"expression": "{'result': nodes.b}"}}],
         "edges": [{"from": "a", "to": "b"}, {"from": "b", "to": "c"}]}""");
    gateway.deploy(
        org,
        "waits",
        """
        {"nodes": [{"id": "hold", "wait": {"signal": {"name": "go"}}}]}""");
  }

  record Answer(int status, @Nullable String session, JsonNode body, HttpResponse<String> raw) {}

  static Answer post(
      GatewayHarness gateway, @Nullable String credential, @Nullable String session, String body)
      throws Exception {
    return post(gateway.baseUrl(), credential, session, body);
  }

  static Answer post(
      String baseUrl, @Nullable String credential, @Nullable String session, String body)
      throws Exception {
    return post(baseUrl, credential, session, body, false);
  }

  static Answer post(
      GatewayHarness gateway,
      @Nullable String credential,
      @Nullable String session,
      String body,
      boolean stream)
      throws Exception {
    return post(gateway.baseUrl(), credential, session, body, stream);
  }

  /** A POST to /mcp; with {@code stream} the body is kept raw (an SSE stream), not parsed. */
  static Answer post(
      String baseUrl,
      @Nullable String credential,
      @Nullable String session,
      String body,
      boolean stream)
      throws Exception {
    return post(baseUrl, credential, session, body, stream, java.util.Map.of());
  }

  /** The same, with more headers ({@code MCP-Protocol-Version}, {@code Origin}). */
  static Answer post(
      String baseUrl,
      @Nullable String credential,
      @Nullable String session,
      String body,
      boolean stream,
      java.util.Map<String, String> headers)
      throws Exception {
    var request =
        HttpRequest.newBuilder(URI.create(baseUrl + "/mcp"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    if (credential != null) {
      request.header("authorization", "Bearer " + credential);
    }
    if (session != null) {
      request.header("mcp-session-id", session);
    }
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json =
        stream || response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
    return new Answer(
        response.statusCode(),
        response.headers().firstValue("mcp-session-id").orElse(null),
        json,
        response);
  }

  static String initialize(GatewayHarness gateway, String credential) throws Exception {
    Answer answer =
        post(
            gateway,
            credential,
            null,
            """
            {"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}}""");
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body().path("result").path("protocolVersion").asText())
        .isEqualTo("2025-06-18");
    assertThat(answer.body().path("result").path("capabilities").has("tools")).isTrue();
    assertThat(answer.session()).matches("[0-9a-f]{32}");
    assertThat(
            post(
                    gateway,
                    credential,
                    answer.session(),
                    "{\"jsonrpc\": \"2.0\", \"method\": \"notifications/initialized\"}")
                .status())
        .isEqualTo(202);
    return answer.session();
  }

  @Test
  void protocolRevisionsAreNegotiatedAndChecked() throws Exception {
    String key = a.apiKey(org);
    for (var asked :
        java.util.Map.of(
                "2025-11-25", "2025-11-25", "2025-03-26", "2025-03-26", "2099-01-01", "2025-11-25")
            .entrySet()) {
      Answer answer =
          post(
              a,
              key,
              null,
              """
              {"jsonrpc": "2.0", "id": 1, "method": "initialize",
               "params": {"protocolVersion": "%s", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}"""
                  .formatted(asked.getKey()));
      assertThat(answer.body().path("result").path("protocolVersion").asText())
          .as(asked.getKey())
          .isEqualTo(asked.getValue());
    }
    String session = initialize(a, key);
    String badArguments =
        "{\"jsonrpc\": \"2.0\", \"id\": 7, \"method\": \"tools/call\", \"params\": {\"name\": \"hello\", \"arguments\": {\"name\": 7}}}";

    // A revision the gateway does not serve: 400, as the transport asks.
    assertError(
        post(
            a.baseUrl(),
            key,
            session,
            badArguments,
            false,
            java.util.Map.of("mcp-protocol-version", "1999-01-01")),
        400,
        -32600);
    // From 2025-11-25 on, arguments that break the schema are a tool error the model can read.
    Answer asToolError =
        post(
            a.baseUrl(),
            key,
            session,
            badArguments,
            false,
            java.util.Map.of("mcp-protocol-version", "2025-11-25"));
    assertThat(asToolError.status()).isEqualTo(200);
    assertThat(asToolError.body().path("result").path("isError").asBoolean()).isTrue();
    assertThat(asToolError.body().path("result").path("content").get(0).path("text").asText())
        .startsWith("invalid arguments for hello:")
        .contains("arguments.name: ");
    // Before it, the same is -32602 with the violations.
    assertError(
        post(
            a.baseUrl(),
            key,
            session,
            badArguments,
            false,
            java.util.Map.of("mcp-protocol-version", "2025-06-18")),
        200,
        -32602);
  }

  @Test
  void browsersFromOtherOriginsAreRefused() throws Exception {
    String key = a.apiKey(org);
    String ping = "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"ping\"}";
    String session = initialize(a, key);
    Answer rebound =
        post(
            a.baseUrl(),
            key,
            session,
            ping,
            false,
            java.util.Map.of("origin", "http://attacker.example"));
    assertThat(rebound.status()).isEqualTo(403);
    assertThat(rebound.body().path("error").path("message").asText())
        .contains("origin not allowed");
    Answer sameOrigin =
        post(a.baseUrl(), key, session, ping, false, java.util.Map.of("origin", a.baseUrl()));
    assertThat(sameOrigin.status()).as(sameOrigin.body().toString()).isEqualTo(200);
  }

  @Test
  void withoutACredentialTheAnswerPointsAtTheResourceMetadata() throws Exception {
    Answer answer = post(a, null, null, "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"ping\"}");
    assertThat(answer.status()).isEqualTo(401);
    String challenge = answer.raw().headers().firstValue("www-authenticate").orElseThrow();
    assertThat(challenge)
        .startsWith("Bearer resource_metadata=\"")
        .contains("/.well-known/oauth-protected-resource");
    String metadataUrl =
        challenge.substring(challenge.indexOf('"') + 1, challenge.lastIndexOf('"'));
    JsonNode metadata =
        JSON.readTree(
            http.send(
                    HttpRequest.newBuilder(URI.create(metadataUrl)).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body());
    assertThat(metadata.path("resource").asText()).endsWith("/mcp");
    assertThat(metadata.path("authorization_servers").get(0).asText()).isNotEmpty();

    assertThat(post(a, "nxk_notakey00_" + "x".repeat(40), null, "{}").status()).isEqualTo(401);
  }

  @Test
  void toolsAreTheOrganisationsWorkflowsAndRunWithStructuredOutput() throws Exception {
    String key = a.apiKey(org);
    String session = initialize(a, key);
    JsonNode tools =
        post(a, key, session, "{\"jsonrpc\": \"2.0\", \"id\": 2, \"method\": \"tools/list\"}")
            .body();
    assertThat(names(tools)).containsExactlyInAnyOrder("hello", "broken", "three-steps", "waits");
    JsonNode hello = null;
    for (JsonNode tool : tools.path("result").path("tools")) {
      if (tool.path("name").asText().equals("hello")) {
        hello = tool;
      }
    }
    assertThat(hello.path("inputSchema").path("required").get(0).asText()).isEqualTo("name");

    Answer called =
        post(
            a,
            key,
            session,
            """
            {"jsonrpc": "2.0", "id": "c1", "method": "tools/call", "params": {"name": "hello", "arguments": {"name": "Agent"}}}""");
    JsonNode result = called.body().path("result");
    assertThat(called.body().path("id").asText()).isEqualTo("c1");
    assertThat(result.path("isError").asBoolean()).isFalse();
    assertThat(result.path("structuredContent").path("greeting").asText())
        .isEqualTo("Hello, Agent!");
    assertThat(result.path("content").get(0).path("text").asText()).contains("Hello, Agent!");

    JsonNode failed =
        post(
                a,
                key,
                session,
                "{\"jsonrpc\": \"2.0\", \"id\": 3, \"method\": \"tools/call\", \"params\": {\"name\": \"broken\"}}")
            .body()
            .path("result");
    assertThat(failed.path("isError").asBoolean()).isTrue();
    assertThat(failed.path("content").get(0).path("text").asText()).contains("ended FAILED");
  }

  @Test
  void aCallWithAProgressTokenStreamsProgressThenTheResult() throws Exception {
    String key = a.apiKey(org);
    String session = initialize(a, key);
    Answer answer =
        post(
            a,
            key,
            session,
            """
            {"jsonrpc": "2.0", "id": 11, "method": "tools/call",
             "params": {"name": "three-steps", "arguments": {"n": 1}, "_meta": {"progressToken": "p-1"}}}""",
            true);
    assertThat(answer.raw().headers().firstValue("content-type").orElse(""))
        .startsWith("text/event-stream");
    java.util.List<JsonNode> messages = new java.util.ArrayList<>();
    for (String line : answer.raw().body().lines().toList()) {
      if (line.startsWith("data:")) {
        messages.add(JSON.readTree(line.substring(5).strip()));
      }
    }
    assertThat(messages).hasSize(4);
    for (int i = 0; i < 3; i++) {
      assertThat(messages.get(i).path("method").asText()).isEqualTo("notifications/progress");
      assertThat(messages.get(i).path("params").path("progressToken").asText()).isEqualTo("p-1");
      assertThat(messages.get(i).path("params").path("progress").asInt()).isEqualTo(i + 1);
    }
    JsonNode last = messages.get(3);
    assertThat(last.path("id").asInt()).isEqualTo(11);
    assertThat(last.path("result").path("structuredContent").path("result").asDouble())
        .isEqualTo(4.0);
  }

  @Test
  void aCancelledNotificationCancelsTheRunOfItsRequestOnAnyGateway() throws Exception {
    String key = a.apiKey(org);
    String session = initialize(a, key);
    var call =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return post(
                    a,
                    key,
                    session,
                    "{\"jsonrpc\": \"2.0\", \"id\": \"slow-1\", \"method\": \"tools/call\", \"params\": {\"name\": \"waits\"}}");
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    // The cancellation goes to the other gateway; sent until the call ends (before its run
    // started it names nothing, and is ignored).
    await()
        .atMost(java.time.Duration.ofSeconds(20))
        .pollInterval(java.time.Duration.ofMillis(200))
        .until(
            () -> {
              post(
                  b,
                  key,
                  session,
                  "{\"jsonrpc\": \"2.0\", \"method\": \"notifications/cancelled\", \"params\": {\"requestId\": \"slow-1\", \"reason\": \"user gave up\"}}");
              return call.isDone();
            });
    JsonNode result = call.join().body().path("result");
    assertThat(result.path("isError").asBoolean()).isTrue();
    assertThat(result.path("content").get(0).path("text").asText())
        .contains("ended CANCELLED", "user gave up");
  }

  @Test
  void anotherOrganisationsWorkflowsAreNeitherListedNorCallable() throws Exception {
    String key = a.apiKey(org);
    String session = initialize(a, key);
    JsonNode secret =
        post(
                a,
                key,
                session,
                "{\"jsonrpc\": \"2.0\", \"id\": 4, \"method\": \"tools/call\", \"params\": {\"name\": \"secret\", \"arguments\": {\"name\": \"x\"}}}")
            .body();
    assertThat(secret.path("error").path("code").asInt()).isEqualTo(-32602);
    assertThat(secret.path("error").path("message").asText()).isEqualTo("unknown tool: secret");

    // The other org's key opens its own session and sees only its own tool.
    String otherKey = a.apiKey(otherOrg);
    String otherSession = initialize(a, otherKey);
    JsonNode tools =
        post(
                a,
                otherKey,
                otherSession,
                "{\"jsonrpc\": \"2.0\", \"id\": 5, \"method\": \"tools/list\"}")
            .body();
    assertThat(names(tools)).containsExactly("secret");
    // A session id is bound to whoever opened it.
    assertThat(
            post(
                    a,
                    otherKey,
                    session,
                    "{\"jsonrpc\": \"2.0\", \"id\": 6, \"method\": \"tools/list\"}")
                .status())
        .isEqualTo(404);
  }

  @Test
  void aSessionOpenedOnOneGatewayServesRequestsOnAnother() throws Exception {
    String key = a.apiKey(org);
    String session = initialize(a, key);
    List<String> executionIds = new ArrayList<>();
    for (GatewayHarness gateway : new GatewayHarness[] {b, a, b, a, a, a}) {
      Answer answer =
          post(
              gateway,
              key,
              session,
              "{\"jsonrpc\": \"2.0\", \"id\": 7, \"method\": \"tools/call\", \"params\": {\"name\": \"hello\", \"arguments\": {\"name\": \"Both\"}}}");
      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.body().path("result").path("structuredContent").path("greeting").asText())
          .isEqualTo("Hello, Both!");
      executionIds.add(
          answer.body().path("result").path("_meta").path("nexusmesh.io/executionId").asText());
    }
    // Runs that end as they start (served on the event loop) send their session entry without
    // waiting: every call reaches the history, those through one gateway in the order made.
    List<String> history =
        await()
            .atMost(Duration.ofSeconds(5))
            .until(
                () ->
                    GatewayHarness.as(SessionServiceGrpc.newBlockingStub(a.channel), key)
                        .getSession(GetSessionRequest.newBuilder().setId(session).build())
                        .getSession()
                        .getExecutionIdsList(),
                ids -> ids.size() == executionIds.size());
    assertThat(history).containsExactlyInAnyOrderElementsOf(executionIds);
    List<String> lastThroughA = executionIds.subList(3, 6);
    assertThat(history.stream().filter(lastThroughA::contains).toList())
        .containsExactlyElementsOf(lastThroughA);
    var delete =
        http.send(
            HttpRequest.newBuilder(URI.create(b.baseUrl() + "/mcp"))
                .header("authorization", "Bearer " + key)
                .header("mcp-session-id", session)
                .DELETE()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(delete.statusCode()).isEqualTo(200);
    // Gateway A knew the session open and forgets it on B's close announcement.
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(10))
        .until(
            () ->
                post(a, key, session, "{\"jsonrpc\": \"2.0\", \"id\": 8, \"method\": \"ping\"}")
                    .status(),
            status -> status == 404);
  }

  @Test
  void malformedMessagesGetTheirJsonRpcErrorCodes() throws Exception {
    String key = a.apiKey(org);
    String session = initialize(a, key);
    assertError(post(a, key, session, "{not json"), 400, -32700);
    assertError(
        post(a, key, session, "[{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"ping\"}]"),
        400,
        -32600);
    assertError(
        post(a, key, session, "{\"jsonrpc\": \"1.0\", \"id\": 1, \"method\": \"ping\"}"),
        400,
        -32600);
    assertError(post(a, key, session, "{\"jsonrpc\": \"2.0\", \"id\": 1}"), 400, -32600);
    assertError(
        post(a, key, session, "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"resources/list\"}"),
        200,
        -32601);
    assertError(
        post(
            a,
            key,
            session,
            "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"tools/call\", \"params\": {}}"),
        200,
        -32602);
    Answer invalid =
        post(
            a,
            key,
            session,
            "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"tools/call\", \"params\": {\"name\": \"hello\", \"arguments\": {\"name\": 7}}}");
    assertError(invalid, 200, -32602);
    assertThat(
            invalid
                .body()
                .path("error")
                .path("data")
                .path("violations")
                .get(0)
                .path("field")
                .asText())
        .isEqualTo("arguments.name");
    assertError(
        post(a, key, null, "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"tools/list\"}"),
        400,
        -32600);
    assertThat(
            post(a, key, session, "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"ping\"}")
                .body()
                .path("result")
                .isObject())
        .isTrue();
  }

  private static java.util.List<String> names(JsonNode toolsList) {
    java.util.List<String> names = new java.util.ArrayList<>();
    toolsList.path("result").path("tools").forEach(tool -> names.add(tool.path("name").asText()));
    return names;
  }

  private static void assertError(Answer answer, int status, int code) {
    assertThat(answer.status()).as(answer.body().toString()).isEqualTo(status);
    assertThat(answer.body().path("jsonrpc").asText()).isEqualTo("2.0");
    assertThat(answer.body().path("error").path("code").asInt())
        .as(answer.body().toString())
        .isEqualTo(code);
  }
}
