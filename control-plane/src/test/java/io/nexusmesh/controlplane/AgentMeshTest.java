package io.nexusmesh.controlplane;

import static io.nexusmesh.controlplane.AgentMeshSupport.*;
import static io.nexusmesh.controlplane.ControlPlaneHarness.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.rpc.RetryInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.gateway.v1.GetSessionRequest;
import io.nexusmesh.api.gateway.v1.PostSessionMessageRequest;
import io.nexusmesh.api.gateway.v1.ReplaySessionRequest;
import io.nexusmesh.api.gateway.v1.SessionServiceGrpc;
import io.nexusmesh.api.gateway.v1.SignalExecutionRequest;
import io.nexusmesh.api.semantic.v1.Agent;
import io.nexusmesh.api.semantic.v1.SemanticEvent;
import io.nexusmesh.gateway.Gateway;
import io.nexusmesh.llm.LlmManager;
import io.nexusmesh.llm.scripted.ScriptedModel;
import io.nexusmesh.runtime.telemetry.Telemetry;
import io.nexusmesh.runtime.telemetry.otlp.OtlpTraceReceiver;
import io.nexusmesh.runtime.telemetry.otlp.ReceivedSpan;
import io.nexusmesh.semantic.Topics;
import io.nexusmesh.testing.KafkaEndpoint;
import io.nexusmesh.testing.KafkaExtension;
import io.nexusmesh.testing.PrometheusText;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions' agents through the whole mesh: a real control plane, a real gateway on a real Redis and
 * a real KRaft broker, the LLM manager (Kafka Streams) and the scripted model behind the real
 * OpenAI client, driven as users drive them: a session with an agent over gRPC, messages posted,
 * the chain watched live and replayed from the log.
 */
@ExtendWith({RedisExtension.class, KafkaExtension.class})
class AgentMeshTest {
  private static final String WEATHER =
      """
      {"nodes": [{"id": "w", "transform": {"expression": "{'city': input.city, 'temp': '12C'}"}}]}""";
  private static final String FORECAST =
      """
      {"nodes": [{"id": "ask", "llm": {
         "prompt": "'use weather with {\\"city\\": \\"' + input.city + '\\"}'",
         "systemPrompt": "Answer with the tool's JSON.",
         "tools": ["weather"],
         "outputSchema": {"type": "object", "required": ["temp"]}}}]}""";
  private static final String ORPHAN =
      """
      {"nodes": [{"id": "ask", "llm": {"prompt": "'use nowhere'", "tools": ["nowhere"]}}]}""";
  private static final String HOLD =
      """
      {"nodes": [{"id": "hold", "wait": {"signal": {"name": "go"}}}]}""";

  @TempDir Path state;

  @Test
  void anAgentCallsItsOrgsToolsStreamsItsChainAndReplaysIt(RedisEndpoint redis, KafkaEndpoint kafka)
      throws Exception {
    String org = "ag-" + UUID.randomUUID().toString().substring(0, 6);
    String otherOrg = "other-" + org;
    ScriptedModel model =
        ScriptedModel.start(
            0,
            new ScriptedModel.Options(
                text -> text.contains("slowly") ? Duration.ofSeconds(5) : Duration.ZERO, true));
    // The manager and the gateway export their spans to a receiver of the test's.
    OtlpTraceReceiver receiver = OtlpTraceReceiver.startOnLoopback(100);
    Telemetry managerTelemetry =
        Telemetry.fromEnvironment("nexus-llm-manager", Telemetry.exportingTo(receiver.endpoint()));
    LlmManager manager = manager(state, kafka, model, "first", managerTelemetry);
    try (var cp = ControlPlaneHarness.start();
        receiver;
        managerTelemetry) {
      Map<String, String> gatewaySettings =
          new java.util.HashMap<>(Telemetry.exportingTo(receiver.endpoint()));
      gatewaySettings.put("NEXUS_KAFKA_BOOTSTRAP", kafka.bootstrapServers());
      Gateway gateway = cp.startGateway(redis, org, "gw-agents", "dev", true, gatewaySettings);
      ManagedChannel gw =
          NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      List<AutoCloseable> closeLater = new ArrayList<>();
      try {
        await().atMost(Duration.ofSeconds(20)).until(gateway::registered);
        await().atMost(Duration.ofSeconds(60)).until(gateway::fanningOutAgents);
        String admin = cp.token("ada", org, "admin");
        String key = apiKey(cp, admin);
        String otherKey = apiKey(cp, cp.token("eve", otherOrg, "admin"));
        MeshTestSupport.deploy(cp, admin, "weather", WEATHER);
        MeshTestSupport.deploy(cp, admin, "hold", HOLD);
        var sessions = cp.as(SessionServiceGrpc.newBlockingStub(gw), key);
        var watcher = cp.as(SessionServiceGrpc.newStub(gw), key);
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    codeOf(
                            () ->
                                sessions.listSessions(
                                    io.nexusmesh.api.gateway.v1.ListSessionsRequest
                                        .getDefaultInstance()))
                        == Status.Code.OK);
        Agent agent = Agent.newBuilder().setSystemPrompt("You are terse.").build();
        String session = newSession(sessions, agent);
        List<String> order = new CopyOnWriteArrayList<>();
        List<SemanticEvent> chain = watch(watcher, session, order);
        List<String> sse = new CopyOnWriteArrayList<>();
        var sseRequest =
            io.nexusmesh.testing.TestHttp.client()
                .sendAsync(
                    java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(
                                "http://127.0.0.1:"
                                    + gateway.port()
                                    + "/v1/sessions/"
                                    + session
                                    + "/events"))
                        .header("authorization", "Bearer " + key)
                        .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofLines());
        sseRequest.thenAccept(response -> response.body().forEach(sse::add));
        Thread.sleep(300); // the watch and the SSE stream subscribe on the gateway asynchronously

        // 1. A turn that calls a workflow of the org, live on the watch stream.
        var posted =
            sessions.postSessionMessage(
                PostSessionMessageRequest.newBuilder()
                    .setId(session)
                    .setMessage(text("what is the weather? use weather with {\"city\": \"Oslo\"}"))
                    .build());
        assertThat(posted.getTurnId()).isNotEmpty();
        await().atMost(Duration.ofSeconds(60)).until(() -> answered(chain));
        assertThat(kinds(chain))
            .containsExactly(
                "TURN_STARTED",
                "USAGE",
                "THOUGHT",
                "TOOL_CALL",
                "TOOL_RESULT",
                "USAGE",
                "TURN_RESPONSE");
        assertThat(chain).allSatisfy(e -> assertThat(e.getTurnId()).isEqualTo(posted.getTurnId()));
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> sse.stream().anyMatch(line -> line.contains("turnResponse")));
        assertThat(sse).anyMatch(line -> line.matches("^event: ?agent$"));
        sseRequest.cancel(true);
        assertThat(chain.get(0).getTurnStarted().getToolsList())
            .containsExactlyInAnyOrder("weather", "hold");
        assertThat(
                chain.get(4).getToolResult().getResult().getFieldsOrThrow("temp").getStringValue())
            .isEqualTo("12C");
        assertThat(chain.get(6).getTurnResponse().getContent()).contains("12C").contains("Oslo");
        assertTurnIsOneTrace(receiver);
        assertLlmDashboardIsServed(managerTelemetry);
        assertThat(
                sessions
                    .getSession(GetSessionRequest.newBuilder().setId(session).build())
                    .getSession()
                    .getExecutionIdsCount())
            .as("the tool ran as an execution of the session")
            .isEqualTo(1);

        // 2. Replay re-reads the same chain from the log, from any sequence number.
        var replay =
            sessions.replaySession(ReplaySessionRequest.newBuilder().setId(session).build());
        assertThat(replay.getEventsList()).isEqualTo(chain);
        var tail =
            sessions.replaySession(
                ReplaySessionRequest.newBuilder()
                    .setId(session)
                    .setFromSequence(5)
                    .setPageSize(1)
                    .build());
        assertThat(tail.getEventsList()).extracting(SemanticEvent::getSequence).containsExactly(5L);
        assertThat(tail.getNextSequence()).isEqualTo(6);
        String rest =
            MeshTestSupport.rest(
                java.net.URI.create(
                    "http://127.0.0.1:"
                        + gateway.port()
                        + "/v1/sessions/"
                        + session
                        + ":replay?from_sequence=7"),
                key);
        assertThat(rest)
            .contains("\"turnResponse\"")
            .doesNotContain("\"toolCall\"")
            .doesNotContain("\"turnStarted\"");

        // 3. A slow model holds up only its own session: the other's turn completes meanwhile.
        String slow = newSession(sessions, agent);
        String quick = newSession(sessions, agent);
        List<String> both = new CopyOnWriteArrayList<>();
        List<SemanticEvent> slowChain = watch(watcher, slow, both);
        List<SemanticEvent> quickChain = watch(watcher, quick, both);
        Thread.sleep(200);
        post(sessions, slow, "answer slowly please");
        post(sessions, quick, "hello");
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> answered(slowChain) && answered(quickChain));
        assertThat(both.indexOf(quick + ":TURN_RESPONSE"))
            .as("order of events: %s", both)
            .isLessThan(both.indexOf(slow + ":TURN_RESPONSE"));

        // 4. Another organisation's agent (on its own gateway) is offered none of these tools, and
        // its turn credential reaches none of them, even on this organisation's gateway.
        Gateway otherGateway =
            cp.startGateway(
                redis,
                otherOrg,
                "gw-other",
                "dev",
                true,
                Map.of(
                    "NEXUS_KAFKA_BOOTSTRAP",
                    kafka.bootstrapServers(),
                    "NEXUS_LLM_ORG_TOKENS_PER_HOUR",
                    "1"));
        closeLater.add(otherGateway);
        ManagedChannel otherGw =
            NettyChannelBuilder.forAddress("127.0.0.1", otherGateway.port()).usePlaintext().build();
        closeLater.add(otherGw::shutdownNow);
        var otherSessions = cp.as(SessionServiceGrpc.newBlockingStub(otherGw), otherKey);
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    codeOf(
                            () ->
                                otherSessions.listSessions(
                                    io.nexusmesh.api.gateway.v1.ListSessionsRequest
                                        .getDefaultInstance()))
                        == Status.Code.OK);
        String foreign = newSession(otherSessions, Agent.newBuilder().addTools("weather").build());
        List<SemanticEvent> foreignChain =
            watch(cp.as(SessionServiceGrpc.newStub(otherGw), otherKey), foreign, new ArrayList<>());
        Thread.sleep(200);
        post(otherSessions, foreign, "use weather with {\"city\": \"Oslo\"}");
        await().atMost(Duration.ofSeconds(60)).until(() -> answered(foreignChain));
        assertThat(foreignChain.get(0).getTurnStarted().getToolsList()).isEmpty();
        assertThat(kinds(foreignChain)).doesNotContain("TOOL_CALL");
        String foreignCredential = turnCredential(kafka, foreign);
        assertThat(foreignCredential).startsWith("nxt_");
        var asForeignTurn = cp.as(ExecutionServiceGrpc.newBlockingStub(gw), foreignCredential);
        assertThat(
                codeOf(
                    () ->
                        asForeignTurn.execute(
                            ExecuteRequest.newBuilder().setWorkflow("weather").build())))
            .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(
                codeOf(
                    () ->
                        cp.as(SessionServiceGrpc.newBlockingStub(gw), foreignCredential)
                            .getSession(GetSessionRequest.newBuilder().setId(session).build())))
            .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(
                codeOf(
                    () ->
                        otherSessions.replaySession(
                            ReplaySessionRequest.newBuilder().setId(session).build())))
            .isEqualTo(Status.Code.NOT_FOUND);
        String tampered = foreignCredential.substring(0, foreignCredential.length() - 2) + "AA";
        assertThat(
                codeOf(
                    () ->
                        cp.as(ExecutionServiceGrpc.newBlockingStub(gw), tampered)
                            .execute(ExecuteRequest.newBuilder().setWorkflow("weather").build())))
            .isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(MeshTestSupport.redisContents(redis)).doesNotContain(foreignCredential);

        // Its organisation's budget (1 token an hour here) is spent: its next turn is refused with
        // RESOURCE_EXHAUSTED and when to retry; the message is not published.
        var overBudget =
            await()
                .atMost(Duration.ofSeconds(30))
                .until(
                    () ->
                        catchThrowableOfType(
                            StatusRuntimeException.class,
                            () ->
                                post(
                                    cp.as(SessionServiceGrpc.newBlockingStub(otherGw), otherKey),
                                    foreign,
                                    "again")),
                    e -> e != null);
        assertThat(overBudget.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(StatusProto.fromThrowable(overBudget).getDetailsList())
            .anyMatch(d -> d.is(RetryInfo.class));

        // A record that is not a command goes to the dead letters; the stream goes on.
        try (var producer =
            new KafkaProducer<String, byte[]>(
                Map.<String, Object>of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
          producer
              .send(
                  new ProducerRecord<>(
                      Topics.DEFAULT.commands(), session, new byte[] {(byte) 0xff, 0x00, 0x13}))
              .get();
        }
        assertThat(deadLetter(kafka)).containsExactly((byte) 0xff, 0x00, 0x13);

        // 5. The LLM manager dies while a tool runs: after a restart the turn finishes once, and
        // the
        // tool ran once. (Stubs are made per call from here on: each carries a deadline.)
        java.util.function.Supplier<SessionServiceGrpc.SessionServiceBlockingStub> fresh =
            () -> cp.as(SessionServiceGrpc.newBlockingStub(gw), key);
        String held = newSession(fresh.get(), agent);
        List<SemanticEvent> heldChain =
            watch(cp.as(SessionServiceGrpc.newStub(gw), key), held, new ArrayList<>());
        Thread.sleep(200);
        post(fresh.get(), held, "please use hold");
        await().atMost(Duration.ofSeconds(60)).until(() -> kinds(heldChain).contains("TOOL_CALL"));
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    fresh
                            .get()
                            .getSession(GetSessionRequest.newBuilder().setId(held).build())
                            .getSession()
                            .getExecutionIdsCount()
                        == 1);
        manager.close();
        manager = manager(state, kafka, model, "second");
        Thread.sleep(
            1000); // the restarted tool caller redoes the open call: it joins the first run
        String execution =
            fresh
                .get()
                .getSession(GetSessionRequest.newBuilder().setId(held).build())
                .getSession()
                .getExecutionIds(0);
        cp.as(ExecutionServiceGrpc.newBlockingStub(gw), key)
            .signalExecution(
                SignalExecutionRequest.newBuilder()
                    .setId(execution)
                    .setSignal("go")
                    .setPayload(MeshTestSupport.struct("{\"released\": true}"))
                    .build());
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    answered(
                        fresh
                            .get()
                            .replaySession(ReplaySessionRequest.newBuilder().setId(held).build())
                            .getEventsList()));
        var heldReplay =
            fresh.get().replaySession(ReplaySessionRequest.newBuilder().setId(held).build());
        assertThat(kinds(heldReplay.getEventsList()))
            .containsExactly(
                "TURN_STARTED",
                "USAGE",
                "THOUGHT",
                "TOOL_CALL",
                "TOOL_RESULT",
                "USAGE",
                "TURN_RESPONSE");
        assertThat(
                heldReplay
                    .getEvents(4)
                    .getToolResult()
                    .getResult()
                    .getFieldsOrThrow("released")
                    .getBoolValue())
            .as(heldReplay.getEvents(4).toString())
            .isTrue();
        assertThat(
                fresh
                    .get()
                    .getSession(GetSessionRequest.newBuilder().setId(held).build())
                    .getSession()
                    .getExecutionIdsCount())
            .as("the tool ran once")
            .isEqualTo(1);

        // 6. A workflow's llm node: one turn as a journaled step, its tools called as the workflow,
        // its JSON answer checked against the node's output schema.
        MeshTestSupport.deploy(cp, admin, "forecast", FORECAST);
        MeshTestSupport.deploy(cp, admin, "orphan", ORPHAN);
        long before = model.requests();
        var forecast =
            cp.as(ExecutionServiceGrpc.newBlockingStub(gw), key)
                .execute(
                    ExecuteRequest.newBuilder()
                        .setWorkflow("forecast")
                        .setInput(MeshTestSupport.struct("{\"city\": \"Bergen\"}"))
                        .build());
        assertThat(forecast.getOutput().getFieldsOrThrow("temp").getStringValue()).isEqualTo("12C");
        assertThat(forecast.getOutput().getFieldsOrThrow("city").getStringValue())
            .isEqualTo("Bergen");
        assertThat(model.requests() - before).as("one tool call, one answer").isEqualTo(2);
        var orphan =
            catchThrowableOfType(
                StatusRuntimeException.class,
                () ->
                    cp.as(ExecutionServiceGrpc.newBlockingStub(gw), key)
                        .execute(ExecuteRequest.newBuilder().setWorkflow("orphan").build()));
        assertThat(orphan.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(orphan.getStatus().getDescription()).contains("no tool 'nowhere'");

        // 7. Every model call's tokens reach the control plane's usage records, per organisation,
        // workflow (empty for sessions' agents) and model.
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> tokens(cp, org, "forecast") > 0 && tokens(cp, org, "") > 0);
        assertThat(tokens(cp, otherOrg, ""))
            .as("the other org's own gateway reports its tokens")
            .isPositive();
      } finally {
        for (AutoCloseable c : closeLater.reversed()) {
          c.close();
        }
        gw.shutdownNow();
        gateway.close();
      }
    } finally {
      manager.close();
      model.close();
    }
  }

  /**
   * The turn is one trace across the bus: the gateway's span of the message that started it, the
   * manager's processing of each command (Kafka headers carried it through the topology), both
   * model calls with OpenTelemetry's gen_ai attributes, and the tool's execution on the gateway.
   */
  private static void assertTurnIsOneTrace(OtlpTraceReceiver receiver) {
    ReceivedSpan chat =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    receiver.traces().latest(100).stream()
                        .flatMap(t -> receiver.traces().trace(t.traceId()).orElseThrow().stream())
                        .filter(s -> s.name().equals("chat " + ScriptedModel.MODEL))
                        .findFirst(),
                java.util.Optional::isPresent)
            .orElseThrow();
    assertThat(chat.kind()).isEqualTo("CLIENT");
    assertThat(chat.attributes())
        .containsEntry("gen_ai.operation.name", "chat")
        .containsEntry("gen_ai.request.model", ScriptedModel.MODEL)
        .containsKeys("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens");
    List<ReceivedSpan> trace =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> receiver.traces().trace(chat.traceId()).orElseThrow(),
                spans ->
                    spans.stream().filter(s -> s.name().startsWith("chat ")).count() == 2
                        && spans.stream().anyMatch(s -> s.name().equals("execute weather")));
    assertThat(trace)
        .anyMatch(
            s ->
                s.service().equals("nexus-gateway")
                    && s.kind().equals("SERVER")
                    && s.name().endsWith("SessionService/PostSessionMessage"));
    assertThat(trace)
        .filteredOn(s -> s.kind().equals("CONSUMER"))
        .extracting(ReceivedSpan::service)
        .hasSizeGreaterThanOrEqualTo(3) // two model calls and a tool call
        .containsOnly("nexus-llm-manager");
    ReceivedSpan tool =
        trace.stream().filter(s -> s.name().equals("execute weather")).findFirst().orElseThrow();
    assertThat(tool.service()).isEqualTo("nexus-gateway");
  }

  /** Every query of the LLM manager's dashboard names a metric the manager serves. */
  private static void assertLlmDashboardIsServed(Telemetry telemetry) throws Exception {
    var served = PrometheusText.parse(telemetry.meterRegistry().scrape()).names();
    assertThat(served).contains("nexus_llm_model_call_seconds_count", "nexus_llm_tokens_total");
    assertThat(
            DashboardQueries.unknownNames(
                DashboardQueries.ofDashboard(DashboardQueries.LLM_MANAGER), served))
        .as("metrics the LLM manager does not serve (served: %s)", served)
        .isEmpty();
  }
}
