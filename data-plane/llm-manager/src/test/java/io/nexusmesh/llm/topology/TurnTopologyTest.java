package io.nexusmesh.llm.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.nexusmesh.api.semantic.v1.Agent;
import io.nexusmesh.api.semantic.v1.ModelReply;
import io.nexusmesh.api.semantic.v1.SemanticEvent;
import io.nexusmesh.api.semantic.v1.SessionContext;
import io.nexusmesh.api.semantic.v1.ToolCall;
import io.nexusmesh.api.semantic.v1.ToolReply;
import io.nexusmesh.api.semantic.v1.ToolResult;
import io.nexusmesh.api.semantic.v1.ToolSpec;
import io.nexusmesh.api.semantic.v1.TurnRequest;
import io.nexusmesh.api.semantic.v1.Usage;
import io.nexusmesh.semantic.Topics;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The turn topology, driven record by record with Kafka's TopologyTestDriver. */
class TurnTopologyTest {
  private static final Topics TOPICS = Topics.DEFAULT;
  private static final String SESSION = "s1";

  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> commands;
  private TestOutputTopic<String, SemanticEvent> events;
  private TestOutputTopic<String, SemanticEvent> work;
  private TestOutputTopic<String, byte[]> dead;

  @BeforeEach
  void setUp() {
    StreamsBuilder builder = new StreamsBuilder();
    TurnTopology.build(
        builder,
        TOPICS,
        new TurnMachine(
            new TurnLimits(3, 2, 1, 64, 8000, java.time.Duration.ofSeconds(30)), "default-model"));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "test");
    driver = new TopologyTestDriver(builder.build(), props);
    commands =
        driver.createInputTopic(
            TOPICS.commands(), Topics.keys().serializer(), Topics.rawValues().serializer());
    events =
        driver.createOutputTopic(
            TOPICS.events(), Topics.keys().deserializer(), Topics.semanticEvents().deserializer());
    work =
        driver.createOutputTopic(
            TOPICS.commands(),
            Topics.keys().deserializer(),
            Topics.semanticEvents().deserializer());
    dead =
        driver.createOutputTopic(
            TOPICS.deadLetters(), Topics.keys().deserializer(), Topics.rawValues().deserializer());
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  private static SemanticEvent.Builder envelope(String session, String org) {
    return SemanticEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setSessionId(session)
        .setOrg(org);
  }

  private void send(SemanticEvent event) {
    commands.pipeInput(event.getSessionId(), event.toByteArray());
  }

  private static TurnRequest request(String text, String... tools) {
    TurnRequest.Builder request =
        TurnRequest.newBuilder()
            .setText(text)
            .setAgent(Agent.newBuilder().setSystemPrompt("be brief"))
            .setCredential("nxt_secret")
            .setGatewayUrl("http://gw")
            .setToolSessionId("s1");
    for (String tool : tools) {
      request.addTools(ToolSpec.newBuilder().setName(tool));
    }
    return request.build();
  }

  private void turn(String turnId, TurnRequest request) {
    send(envelope(SESSION, "acme").setTurnId(turnId).setTurnRequest(request).build());
  }

  /** The commands the topology wrote (its own input topic also carries what the test sent). */
  private List<SemanticEvent> workOrders() {
    return work.readValuesToList().stream()
        .filter(e -> e.hasModelCall() || e.hasToolInvocation())
        .toList();
  }

  private void modelReply(String callId, ModelReply.Builder reply) {
    send(envelope(SESSION, "acme").setTurnId("t1").setModelReply(reply.setCallId(callId)).build());
  }

  @Test
  void aTurnCallsTheModelThenItsToolsThenAnswers() {
    turn("t1", request("what is the weather?", "weather", "cal.create"));
    List<SemanticEvent> orders = workOrders();
    assertThat(orders).hasSize(1);
    var modelCall = orders.get(0).getModelCall();
    assertThat(modelCall.getModel()).isEqualTo("default-model");
    assertThat(modelCall.getMessagesList())
        .extracting(m -> m.getRole())
        .containsExactly("system", "user");
    assertThat(modelCall.getToolsList())
        .extracting(ToolSpec::getName)
        .containsExactly("weather", "cal.create");

    modelReply(
        modelCall.getCallId(),
        ModelReply.newBuilder()
            .setContent("Let me look.")
            .addToolCalls(
                ToolCall.newBuilder()
                    .setCallId("c1")
                    .setToolName("weather")
                    .setArguments(args("city", "Oslo")))
            .addToolCalls(ToolCall.newBuilder().setCallId("c2").setToolName("cal.create"))
            .setUsage(
                Usage.newBuilder()
                    .setModel("default-model")
                    .setPromptTokens(10)
                    .setCompletionTokens(5)));
    List<SemanticEvent> invocations = workOrders();
    assertThat(invocations)
        .extracting(e -> e.getToolInvocation().getCall().getCallId())
        .containsExactly("c1", "c2");
    assertThat(invocations.get(0).getToolInvocation().getCredential()).isEqualTo("nxt_secret");
    assertThat(invocations.get(0).getToolInvocation().getGatewayUrl()).isEqualTo("http://gw");
    assertThat(invocations.get(0).getToolInvocation().getSessionId()).isEqualTo("s1");

    send(
        envelope(SESSION, "acme")
            .setTurnId("t1")
            .setToolReply(
                ToolReply.newBuilder()
                    .setResult(
                        ToolResult.newBuilder().setCallId("c2").setError("calendar is down")))
            .build());
    assertThat(workOrders()).as("the model waits for every result").isEmpty();
    send(
        envelope(SESSION, "acme")
            .setTurnId("t1")
            .setToolReply(
                ToolReply.newBuilder()
                    .setResult(
                        ToolResult.newBuilder().setCallId("c1").setResult(args("temp", "12C"))))
            .build());
    List<SemanticEvent> second = workOrders();
    assertThat(second).hasSize(1);
    var secondCall = second.get(0).getModelCall();
    assertThat(secondCall.getMessagesList())
        .extracting(m -> m.getRole())
        .containsExactly("system", "user", "assistant", "tool", "tool");
    assertThat(secondCall.getMessages(3).getContent()).isEqualTo("error: calendar is down");
    assertThat(secondCall.getMessages(4).getContent()).contains("12C");

    modelReply(secondCall.getCallId(), ModelReply.newBuilder().setContent("12C in Oslo."));
    List<SemanticEvent> chain = events.readValuesToList();
    assertThat(chain)
        .extracting(e -> e.getPayloadCase().name())
        .containsExactly(
            "TURN_STARTED",
            "USAGE",
            "THOUGHT",
            "TOOL_CALL",
            "TOOL_CALL",
            "TOOL_RESULT",
            "TOOL_RESULT",
            "TURN_RESPONSE");
    assertThat(chain)
        .extracting(SemanticEvent::getSequence)
        .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    assertThat(chain)
        .allSatisfy(
            e -> {
              assertThat(e.getTurnId()).isEqualTo("t1");
              assertThat(e.toString()).doesNotContain("nxt_secret");
            });
    assertThat(chain.get(7).getTurnResponse().getContent()).isEqualTo("12C in Oslo.");
    assertThat(chain.get(7).getTurnResponse().getIterations()).isEqualTo(2);
    assertThat(chain.get(7).getTurnResponse().getToolCalls()).isEqualTo(2);

    KeyValueStore<String, SessionContext> store = driver.getKeyValueStore(TurnTopology.CONTEXTS);
    SessionContext context = store.get(SESSION);
    assertThat(context.hasTurn()).isFalse();
    assertThat(context.getHistoryList())
        .extracting(m -> m.getRole())
        .containsExactly("user", "assistant", "tool", "tool", "assistant");
    assertThat(context.toString())
        .as("the credential leaves with its turn")
        .doesNotContain("nxt_secret");
  }

  @Test
  void aRedeliveredReplyCountsOnce() {
    turn("t1", request("hi", "weather"));
    String callId = workOrders().get(0).getModelCall().getCallId();
    ModelReply.Builder toolCall =
        ModelReply.newBuilder()
            .addToolCalls(ToolCall.newBuilder().setCallId("c1").setToolName("weather"));
    modelReply(callId, toolCall);
    modelReply(callId, toolCall);
    assertThat(workOrders()).hasSize(1);
    ToolReply result =
        ToolReply.newBuilder().setResult(ToolResult.newBuilder().setCallId("c1")).build();
    send(envelope(SESSION, "acme").setTurnId("t1").setToolReply(result).build());
    send(envelope(SESSION, "acme").setTurnId("t1").setToolReply(result).build());
    assertThat(workOrders()).hasSize(1);
    assertThat(events.readValuesToList())
        .extracting(e -> e.getPayloadCase().name())
        .containsExactly("TURN_STARTED", "TOOL_CALL", "TOOL_RESULT");
  }

  @Test
  void toolsNotOfferedAndCallsOverTheLimitAreRefusedToTheModelNotMade() {
    turn("t1", request("hi", "weather"));
    String callId = workOrders().get(0).getModelCall().getCallId();
    modelReply(
        callId,
        ModelReply.newBuilder()
            .addToolCalls(ToolCall.newBuilder().setCallId("a").setToolName("other-orgs-tool"))
            .addToolCalls(ToolCall.newBuilder().setCallId("b").setToolName("weather"))
            .addToolCalls(ToolCall.newBuilder().setCallId("c").setToolName("weather"))
            .addToolCalls(ToolCall.newBuilder().setCallId("d").setToolName("weather")));
    List<SemanticEvent> orders = workOrders();
    assertThat(orders)
        .extracting(e -> e.getToolInvocation().getCall().getCallId())
        .containsExactly("b", "c");
    List<SemanticEvent> results =
        events.readValuesToList().stream().filter(SemanticEvent::hasToolResult).toList();
    assertThat(results).extracting(e -> e.getToolResult().getCallId()).containsExactly("a", "d");
    assertThat(results.get(0).getToolResult().getError())
        .contains("no tool named 'other-orgs-tool'");
    assertThat(results.get(1).getToolResult().getError()).contains("limit of 2 tool calls");
  }

  @Test
  void aModelThatKeepsAskingForToolsEndsTheTurnAtTheIterationLimit() {
    turn("t1", request("loop", "weather"));
    for (int i = 1; i <= 3; i++) {
      List<SemanticEvent> orders = workOrders();
      SemanticEvent call =
          orders.stream().filter(SemanticEvent::hasModelCall).findFirst().orElseThrow();
      modelReply(
          call.getModelCall().getCallId(),
          ModelReply.newBuilder()
              .addToolCalls(ToolCall.newBuilder().setCallId("c" + i).setToolName("weather")));
      if (i < 3) {
        send(
            envelope(SESSION, "acme")
                .setTurnId("t1")
                .setToolReply(
                    ToolReply.newBuilder().setResult(ToolResult.newBuilder().setCallId("c" + i)))
                .build());
      }
    }
    SemanticEvent last = events.readValuesToList().getLast();
    assertThat(last.getTurnFailed().getReason()).isEqualTo("ERROR_REASON_RATE_LIMITED");
    assertThat(last.getTurnFailed().getMessage()).contains("limit of 3 model calls");
    assertThat(
            driver
                .<String, SessionContext>getKeyValueStore(TurnTopology.CONTEXTS)
                .get(SESSION)
                .hasTurn())
        .isFalse();
  }

  @Test
  void turnsOfOneSessionRunOneAfterTheOtherAndTooManyWaitingFail() {
    turn("t1", request("first"));
    turn("t2", request("second"));
    turn("t3", request("third"));
    List<SemanticEvent> orders = workOrders();
    assertThat(orders).hasSize(1);
    assertThat(events.readValuesToList())
        .extracting(e -> e.getPayloadCase().name() + ":" + e.getTurnId())
        .containsExactly("TURN_STARTED:t1", "TURN_FAILED:t3");
    modelReply(orders.get(0).getModelCall().getCallId(), ModelReply.newBuilder().setContent("one"));
    List<SemanticEvent> next = workOrders();
    assertThat(next).extracting(SemanticEvent::getTurnId).containsExactly("t2");
    assertThat(next.get(0).getModelCall().getMessagesList())
        .extracting(m -> m.getContent())
        .containsExactly("be brief", "first", "one", "second");
  }

  @Test
  void aTurnAskedForAgainRunsOnce() {
    turn("t1", request("hi"));
    turn("t1", request("hi")); // while it runs
    List<SemanticEvent> orders = workOrders();
    assertThat(orders).hasSize(1);
    modelReply(orders.get(0).getModelCall().getCallId(), ModelReply.newBuilder().setContent("one"));
    turn("t1", request("hi")); // after it ended
    assertThat(workOrders()).isEmpty();
    assertThat(events.readValuesToList())
        .extracting(e -> e.getPayloadCase().name())
        .containsExactly("TURN_STARTED", "TURN_RESPONSE");
  }

  @Test
  void aTurnWhoseReplyNeverComesFailsAtItsDeadlineAndTheNextOneRuns() {
    turn("t1", request("first"));
    turn("t2", request("second"));
    String first = workOrders().get(0).getModelCall().getCallId();
    driver.advanceWallClockTime(java.time.Duration.ofSeconds(10));
    assertThat(workOrders()).as("not yet").isEmpty();
    driver.advanceWallClockTime(java.time.Duration.ofMinutes(1));
    List<SemanticEvent> chain = events.readValuesToList();
    assertThat(chain)
        .extracting(e -> e.getPayloadCase().name() + ":" + e.getTurnId())
        .containsExactly("TURN_STARTED:t1", "TURN_FAILED:t1", "TURN_STARTED:t2");
    assertThat(chain.get(1).getTurnFailed().getReason())
        .isEqualTo("ERROR_REASON_DEADLINE_EXCEEDED");
    assertThat(workOrders()).extracting(SemanticEvent::getTurnId).containsExactly("t2");
    modelReply(first, ModelReply.newBuilder().setContent("too late"));
    assertThat(events.readValuesToList()).as("a late reply counts for nothing").isEmpty();
  }

  @Test
  void aModelFailureEndsTheTurnWithAReason() {
    turn("t1", request("hi"));
    modelReply(
        workOrders().get(0).getModelCall().getCallId(),
        ModelReply.newBuilder().setError("HTTP 503: overloaded"));
    SemanticEvent last = events.readValuesToList().getLast();
    assertThat(last.getTurnFailed().getReason()).isEqualTo("ERROR_REASON_UNAVAILABLE");
    assertThat(last.getTurnFailed().getMessage()).contains("HTTP 503");
  }

  @Test
  void poisonRecordsGoToTheDeadLetterTopicAndTheStreamGoesOn() {
    commands.pipeInput(SESSION, new byte[] {(byte) 0xff, 0x01, 0x02});
    send(envelope(SESSION, "acme").build()); // no payload: breaks the envelope's constraints
    commands.pipeInput(
        "another-key",
        envelope(SESSION, "acme").setTurnRequest(request("hi")).build().toByteArray());
    turn("t1", request("hi"));
    send(envelope(SESSION, "other-org").setTurnId("t9").setTurnRequest(request("hi")).build());

    var letters = dead.readRecordsToList();
    assertThat(letters).hasSize(4);
    assertThat(letters.get(0).value()).containsExactly((byte) 0xff, 0x01, 0x02);
    List<String> reasons =
        letters.stream()
            .map(
                r -> {
                  Header header = r.headers().lastHeader(Topics.ERROR_HEADER);
                  return new String(header.value(), java.nio.charset.StandardCharsets.UTF_8);
                })
            .toList();
    assertThat(reasons.get(0)).startsWith("not a SemanticEvent");
    assertThat(reasons.get(1)).contains("payload");
    assertThat(reasons.get(2)).contains("keyed by 'another-key'");
    assertThat(reasons.get(3)).contains("another organisation");
    assertThat(workOrders()).hasSize(1);
  }

  @Test
  void historyIsTrimmedByWholeTurnsOldestFirst() {
    var budget = new ContextBudget(new TurnLimits(8, 16, 16, 4, 8000));
    var history =
        budget.append(List.of(), List.of(message("user", "a"), message("assistant", "b")));
    history =
        budget.append(
            history,
            List.of(message("user", "c"), message("assistant", "d"), message("tool", "e")));
    assertThat(history).extracting(m -> m.getContent()).containsExactly("c", "d", "e");
    var tokens = new ContextBudget(new TurnLimits(8, 16, 16, 64, 20));
    var kept =
        tokens.append(
            List.of(message("user", "x".repeat(40)), message("assistant", "y")),
            List.of(message("user", "z"), message("assistant", "w")));
    assertThat(kept).extracting(m -> m.getContent()).containsExactly("z", "w");
  }

  private static io.nexusmesh.api.semantic.v1.ChatMessage message(String role, String content) {
    return io.nexusmesh.api.semantic.v1.ChatMessage.newBuilder()
        .setRole(role)
        .setContent(content)
        .build();
  }

  private static Struct args(String key, String value) {
    return Struct.newBuilder()
        .putFields(key, Value.newBuilder().setStringValue(value).build())
        .build();
  }
}
