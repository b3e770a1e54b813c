package io.nexusmesh.gateway;

import static io.nexusmesh.gateway.GatewayHarness.codeOf;
import static io.nexusmesh.gateway.GatewayHarness.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Value;
import com.google.protobuf.util.Durations;
import io.grpc.Status;
import io.nexusmesh.api.gateway.v1.CloseSessionRequest;
import io.nexusmesh.api.gateway.v1.CreateSessionRequest;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.GetSessionRequest;
import io.nexusmesh.api.gateway.v1.ListSessionsRequest;
import io.nexusmesh.api.gateway.v1.PostSessionMessageRequest;
import io.nexusmesh.api.gateway.v1.Session;
import io.nexusmesh.api.gateway.v1.SessionEvent;
import io.nexusmesh.api.gateway.v1.SessionServiceGrpc;
import io.nexusmesh.api.gateway.v1.SessionState;
import io.nexusmesh.api.gateway.v1.WatchSessionRequest;
import io.nexusmesh.api.gateway.v1.WatchSessionResponse;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sessions across channels and replicas: created over gRPC on one gateway, read over REST on
 * another, used by Execute (gRPC with the request's {@code session_id}, REST with the {@code
 * nexus-session-id} header) and by MCP tool calls (the MCP session is the same session), followed
 * over SSE on the other gateway, where every execution's start and end arrive through Redis
 * pub/sub; another caller's session is NOT_FOUND; a closed one works nowhere.
 */
@ExtendWith(RedisExtension.class)
class SessionsTest {
  static GatewayHarness a;
  static GatewayHarness b;
  static String org;
  static final HttpClient http = io.nexusmesh.testing.TestHttp.client();
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start(RedisEndpoint redis) {
    a = GatewayHarness.start(redis);
    b = GatewayHarness.start(redis);
    org = GatewayHarness.newOrg();
    a.deploy(org, "hello", ExecutionApiTest.HELLO);
    b.deploy(org, "hello", ExecutionApiTest.HELLO);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    a.close();
    b.close();
  }

  private static SessionServiceGrpc.SessionServiceBlockingStub sessions(
      GatewayHarness g, String key) {
    return GatewayHarness.as(SessionServiceGrpc.newBlockingStub(g.channel), key);
  }

  @Test
  void aSessionFollowsItsCallerAcrossChannelsAndGateways() throws Exception {
    String key = a.apiKey(org);
    Session session =
        sessions(a, key)
            .createSession(
                CreateSessionRequest.newBuilder()
                    .setVariables(json("{\"topic\": \"greetings\"}"))
                    .setTtl(Durations.fromSeconds(600))
                    .build())
            .getSession();
    assertThat(session.getState()).isEqualTo(SessionState.SESSION_STATE_OPEN);

    // Subscribed on gateway B over SSE.
    BlockingQueue<String> events = subscribeOverSse(b.baseUrl(), key, session.getId());

    // And on gateway A as the MCP session's GET stream (MCP logging notifications).
    var mcpGet =
        http.send(
            HttpRequest.newBuilder(URI.create(a.baseUrl() + "/mcp"))
                .header("authorization", "Bearer " + key)
                .header("accept", "text/event-stream")
                .header("mcp-session-id", session.getId())
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(mcpGet.statusCode()).isEqualTo(200);
    BlockingQueue<String> mcpStream = dataLines(mcpGet);
    // Run over gRPC on A, over REST on B, and as an MCP tool call on A in the same session.
    var onA = a.executions(org);
    String viaGrpc =
        onA.execute(
                ExecuteRequest.newBuilder()
                    .setWorkflow("hello")
                    .setInput(json("{\"name\": \"gRPC\"}"))
                    .setSessionId(session.getId())
                    .build())
            .getExecutionId();
    var rest =
        http.send(
            HttpRequest.newBuilder(URI.create(b.baseUrl() + "/v1/workflows/hello:execute"))
                .header("authorization", "Bearer " + key)
                .header("content-type", "application/json")
                .header("nexus-session-id", session.getId())
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\": {\"name\": \"REST\"}}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(rest.statusCode()).as(rest.body()).isEqualTo(200);
    var mcp =
        McpTest.post(
            a,
            key,
            session.getId(),
            "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"tools/call\", \"params\": {\"name\": \"hello\", \"arguments\": {\"name\": \"MCP\"}}}");
    assertThat(mcp.body().path("result").path("isError").asBoolean())
        .as(mcp.body().toString())
        .isFalse();

    String started = awaitLine(events, viaGrpc, 10);
    assertThat(started).contains("EXECUTION_STARTED").contains("\"workflowId\":\"hello\"");
    assertThat(awaitLine(events, "EXECUTION_STATUS_SUCCEEDED", 10)).contains("EXECUTION_COMPLETED");

    assertThat(awaitLine(mcpStream, "notifications/message", 10))
        .contains("nexusmesh.session", viaGrpc);

    // Read on B over REST: the three executions are in its history.
    var read =
        http.send(
            HttpRequest.newBuilder(URI.create(b.baseUrl() + "/v1/sessions/" + session.getId()))
                .header("authorization", "Bearer " + key)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(read.statusCode()).isEqualTo(200);
    Session stored =
        sessions(b, key)
            .getSession(GetSessionRequest.newBuilder().setId(session.getId()).build())
            .getSession();
    assertThat(stored.getExecutionIdsList()).hasSize(3).contains(viaGrpc);
    assertThat(stored.getVariables()).isEqualTo(json("{\"topic\": \"greetings\"}"));
    assertThat(
            sessions(b, key)
                .listSessions(ListSessionsRequest.getDefaultInstance())
                .getSessionsList())
        .extracting(Session::getId)
        .contains(session.getId());

    // And as a gRPC stream on gateway A: its client cannot tell when the server subscribed, so
    // runs are started until one is heard of.
    BlockingQueue<SessionEvent> watched = new LinkedBlockingQueue<>();
    var watchCall = io.grpc.Context.current().withCancellation();
    watchCall.run(
        () ->
            GatewayHarness.as(SessionServiceGrpc.newStub(a.channel), key)
                .watchSession(
                    WatchSessionRequest.newBuilder().setId(session.getId()).build(),
                    new io.grpc.stub.StreamObserver<>() {
                      @Override
                      public void onNext(WatchSessionResponse value) {
                        watched.add(value.getEvent());
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    }));
    // And over a WebSocket on gateway B (the JDK's client).
    BlockingQueue<String> overWebSocket = new LinkedBlockingQueue<>();
    var socket =
        http.newWebSocketBuilder()
            .header("authorization", "Bearer " + key)
            .header("origin", b.baseUrl()) // as a browser sends it; Armeria requires one
            .buildAsync(
                URI.create(
                    b.baseUrl().replace("http:", "ws:")
                        + "/v1/sessions/"
                        + session.getId()
                        + "/ws"),
                new java.net.http.WebSocket.Listener() {
                  @Override
                  public java.util.concurrent.CompletionStage<?> onText(
                      java.net.http.WebSocket ws, CharSequence data, boolean last) {
                    overWebSocket.add(data.toString());
                    ws.request(1);
                    return null;
                  }
                })
            .join();
    await()
        .atMost(java.time.Duration.ofSeconds(20))
        .until(
            () -> {
              onA.execute(
                  ExecuteRequest.newBuilder()
                      .setWorkflow("hello")
                      .setInput(json("{\"name\": \"watched\"}"))
                      .setSessionId(session.getId())
                      .build());
              return !watched.isEmpty() && !overWebSocket.isEmpty();
            });
    assertThat(overWebSocket.take()).contains("\"sessionId\":\"" + session.getId() + "\"");
    socket.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "done").join();

    // A WebSocket with another org's key is closed with a policy violation (1008).
    var refused = new java.util.concurrent.CompletableFuture<Integer>();
    http.newWebSocketBuilder()
        .header("authorization", "Bearer " + b.apiKey(GatewayHarness.newOrg()))
        .header("origin", "https://elsewhere.example")
        .buildAsync(
            URI.create(
                b.baseUrl().replace("http:", "ws:") + "/v1/sessions/" + session.getId() + "/ws"),
            new java.net.http.WebSocket.Listener() {
              @Override
              public java.util.concurrent.CompletionStage<?> onClose(
                  java.net.http.WebSocket ws, int statusCode, String reason) {
                refused.complete(statusCode);
                return null;
              }
            });
    assertThat(refused.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
    SessionEvent first = watched.take();
    assertThat(first.getSessionId()).isEqualTo(session.getId());
    assertThat(first.getWorkflowId()).isEqualTo("hello");
    watchCall.cancel(null);

    // Nobody else's, and closed means closed everywhere.
    String otherOrg = GatewayHarness.newOrg();
    a.deploy(otherOrg, "hello", ExecutionApiTest.HELLO);
    assertThat(
            codeOf(
                () ->
                    sessions(a, a.apiKey(otherOrg))
                        .getSession(GetSessionRequest.newBuilder().setId(session.getId()).build())))
        .isEqualTo(Status.Code.NOT_FOUND);
    sessions(b, key).closeSession(CloseSessionRequest.newBuilder().setId(session.getId()).build());
    // Gateway A knew the session open; B's close announcement makes it forget at once (within
    // the delivery of one Redis message, far below the 30 s A would otherwise trust its memory).
    await()
        .atMost(java.time.Duration.ofSeconds(5))
        .pollInterval(java.time.Duration.ofMillis(10))
        .until(
            () ->
                codeOf(
                    () ->
                        onA.execute(
                            ExecuteRequest.newBuilder()
                                .setWorkflow("hello")
                                .setInput(json("{\"name\": \"late\"}"))
                                .setSessionId(session.getId())
                                .build())),
            code -> code == Status.Code.NOT_FOUND);
    assertThat(
            McpTest.post(
                    a,
                    key,
                    session.getId(),
                    "{\"jsonrpc\": \"2.0\", \"id\": 2, \"method\": \"ping\"}")
                .status())
        .isEqualTo(404);
  }

  /** The next data line containing {@code text}, waiting up to {@code seconds} (0: don't wait). */
  @Test
  void stepsAndMessagesReachSubscribersOnOtherGateways() throws Exception {
    String key = a.apiKey(org);
    for (GatewayHarness g : List.of(a, b)) {
      McpTest.deployToolsForAgents(g, org);
    }
    String session =
        sessions(a, key)
            .createSession(CreateSessionRequest.getDefaultInstance())
            .getSession()
            .getId();
    BlockingQueue<String> onB = subscribeOverSse(b.baseUrl(), key, session);

    // A three-step run on A: a progress event per step, in order, then its completion.
    String run =
        a.executions(org)
            .execute(
                ExecuteRequest.newBuilder()
                    .setWorkflow("three-steps")
                    .setInput(json("{\"n\": 1}"))
                    .setSessionId(session)
                    .build())
            .getExecutionId();
    List<String> progress = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      progress.add(awaitLine(onB, "EXECUTION_PROGRESS", 10));
    }
    assertThat(progress)
        .allSatisfy(line -> assertThat(line).contains(run))
        .extracting(line -> JSON.readTree(line.substring("data:".length())).path("nodeId").asText())
        .containsExactly("a", "b", "c");
    assertThat(awaitLine(onB, "EXECUTION_COMPLETED", 10)).contains(run);

    // A message posted over REST on A reaches B's subscriber, with who sent it.
    var posted =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(a.baseUrl() + "/v1/sessions/" + session + "/messages"))
                .header("authorization", "Bearer " + key)
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"message\": {\"text\": \"looking it up\"}}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
    assertThat(posted.body()).contains("SESSION_EVENT_TYPE_MESSAGE");
    JsonNode message =
        JSON.readTree(awaitLine(onB, "SESSION_EVENT_TYPE_MESSAGE", 10).substring("data:".length()));
    assertThat(message.path("message").path("text").asText()).isEqualTo("looking it up");
    assertThat(message.path("sender").asText()).startsWith("apikey:");

    // Nobody else can post to it; a message needs a body.
    String otherOrg = GatewayHarness.newOrg();
    a.deploy(otherOrg, "hello", ExecutionApiTest.HELLO);
    assertThat(
            GatewayHarness.codeOf(
                () ->
                    sessions(a, a.apiKey(otherOrg))
                        .postSessionMessage(
                            PostSessionMessageRequest.newBuilder()
                                .setId(session)
                                .setMessage(Value.newBuilder().setStringValue("hi"))
                                .build())))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(
            GatewayHarness.codeOf(
                () ->
                    sessions(a, key)
                        .postSessionMessage(
                            PostSessionMessageRequest.newBuilder().setId(session).build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void aRunsStartedEventComesBeforeItsCompletionEvenWhenItEndsAtOnce() throws Exception {
    String key = a.apiKey(org);
    for (GatewayHarness g : List.of(a, b)) {
      g.deploy(
          org,
          "instant",
          """
          {"nodes": [{"id": "t", "transform": {"expression": "{'done': true}"}}],
           "mode": "EXECUTION_MODE_EPHEMERAL"}""");
    }
    String session =
        sessions(a, key)
            .createSession(CreateSessionRequest.getDefaultInstance())
            .getSession()
            .getId();
    BlockingQueue<String> events = subscribeOverSse(b.baseUrl(), key, session);
    List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(
          a.executions(org)
              .execute(
                  ExecuteRequest.newBuilder().setWorkflow("instant").setSessionId(session).build())
              .getExecutionId());
    }
    List<String> seen = new java.util.ArrayList<>();
    for (int i = 0; i < 3 * ids.size(); i++) { // started, its one step, completed
      seen.add(awaitLine(events, "data:", 10));
    }
    for (String id : ids) {
      List<String> ofRun = seen.stream().filter(line -> line.contains(id)).toList();
      assertThat(ofRun).as(id).hasSize(3);
      assertThat(ofRun.get(0)).contains("EXECUTION_STARTED");
      assertThat(ofRun.get(1)).contains("EXECUTION_PROGRESS");
      assertThat(ofRun.get(2)).contains("EXECUTION_COMPLETED");
    }
  }

  /**
   * The session's events as SSE data lines, from a subscription on the gateway at {@code baseUrl}
   * that is in place when this returns (the 200 comes after it), so nothing published later is
   * missed.
   */
  static BlockingQueue<String> subscribeOverSse(String baseUrl, String key, String session)
      throws Exception {
    var sse =
        http.send(
            HttpRequest.newBuilder(URI.create(baseUrl + "/v1/sessions/" + session + "/events"))
                .header("authorization", "Bearer " + key)
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(sse.statusCode()).isEqualTo(200);
    return dataLines(sse);
  }

  /** The {@code data:} lines of an SSE answer, as they arrive. */
  private static BlockingQueue<String> dataLines(HttpResponse<java.io.InputStream> sse) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try (var reader =
                  new BufferedReader(new InputStreamReader(sse.body(), StandardCharsets.UTF_8))) {
                reader.lines().filter(l -> l.startsWith("data:")).forEach(lines::add);
              } catch (Exception e) {
                // the stream closed
              }
            });
    return lines;
  }

  private static String awaitLine(BlockingQueue<String> lines, String text, int seconds)
      throws InterruptedException {
    if (seconds == 0) {
      return "";
    }
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < until) {
      String line = lines.poll(100, TimeUnit.MILLISECONDS);
      if (line != null && line.contains(text)) {
        return line;
      }
    }
    throw new AssertionError("no event with " + text + " within " + seconds + " s; left: " + lines);
  }
}
