package io.nexusmesh.llm.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.Server;
import io.nexusmesh.api.semantic.v1.ChatMessage;
import io.nexusmesh.api.semantic.v1.ModelCall;
import io.nexusmesh.api.semantic.v1.ModelReply;
import io.nexusmesh.api.semantic.v1.ToolCall;
import io.nexusmesh.api.semantic.v1.ToolSpec;
import io.nexusmesh.llm.scripted.ScriptedModel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The OpenAI-protocol client against a real HTTP server speaking the chat completions wire
 * protocol: tool calls streamed in fragments and whole, usage chunks, 429 with Retry-After.
 */
class OpenAiModelClientTest {
  private Server server;
  private ScriptedModel model;

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.stop().join();
    }
    if (model != null) {
      model.close();
    }
  }

  private static ModelCall call(String text) {
    return ModelCall.newBuilder()
        .setCallId("t1/m1")
        .setModel("test-model")
        .addMessages(ChatMessage.newBuilder().setRole("system").setContent("be brief"))
        .addMessages(ChatMessage.newBuilder().setRole("user").setContent(text))
        .addTools(
            ToolSpec.newBuilder()
                .setName("calendar.create_event")
                .setDescription("Creates an event."))
        .addTools(ToolSpec.newBuilder().setName("weather"))
        .build();
  }

  @ParameterizedTest(name = "fragmented tool calls: {0}")
  @ValueSource(booleans = {true, false})
  void toolCallsAreAssembledWithTheirMeshNamesAndUsageIsCounted(boolean fragmented) {
    model = ScriptedModel.start(0, new ScriptedModel.Options(text -> Duration.ZERO, fragmented));
    var client = new OpenAiModelClient(model.baseUrl(), "key", Duration.ofSeconds(10), 0);
    ModelReply reply =
        client.call(
            call(
                "please run calendar_create_event with {\"title\": \"standup\", \"minutes\": 15}"));
    assertThat(reply.getError()).isEmpty();
    assertThat(reply.getToolCallsList()).hasSize(1);
    ToolCall toolCall = reply.getToolCalls(0);
    assertThat(toolCall.getToolName()).isEqualTo("calendar.create_event");
    assertThat(toolCall.getCallId()).startsWith("call_");
    assertThat(toolCall.getArguments().getFieldsOrThrow("title").getStringValue())
        .isEqualTo("standup");
    assertThat(toolCall.getArguments().getFieldsOrThrow("minutes").getNumberValue()).isEqualTo(15);
    assertThat(reply.getUsage().getPromptTokens()).isPositive();
    assertThat(reply.getUsage().getCompletionTokens()).isPositive();
    assertThat(reply.getUsage().getModel()).isEqualTo("test-model");
  }

  @Test
  void aToolResultInTheContextReachesTheModel() {
    model = ScriptedModel.start(0, ScriptedModel.Options.DEFAULT);
    var client = new OpenAiModelClient(model.baseUrl(), null, Duration.ofSeconds(10), 0);
    ModelCall call =
        call("run weather").toBuilder()
            .addMessages(
                ChatMessage.newBuilder()
                    .setRole("assistant")
                    .addToolCalls(
                        ToolCall.newBuilder()
                            .setCallId("call_9")
                            .setToolName("weather")
                            .setArguments(Struct.getDefaultInstance())))
            .addMessages(
                ChatMessage.newBuilder()
                    .setRole("tool")
                    .setToolCallId("call_9")
                    .setContent("{\"temp\":\"12C\"}"))
            .build();
    ModelReply reply = client.call(call);
    assertThat(reply.getToolCallsList()).isEmpty();
    assertThat(reply.getContent()).isEqualTo("The tool answered: {\"temp\":\"12C\"}");
  }

  @Test
  void a429IsRetriedAfterItsRetryAfter() {
    model = ScriptedModel.start(0, ScriptedModel.Options.DEFAULT);
    AtomicInteger hits = new AtomicInteger();
    java.util.List<Long> arrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
    server =
        Server.builder()
            .http(0)
            .service(
                "/v1/chat/completions",
                (ctx, req) -> {
                  arrivals.add(System.nanoTime());
                  if (hits.incrementAndGet() <= 2) {
                    return HttpResponse.of(
                        ResponseHeaders.builder(HttpStatus.TOO_MANY_REQUESTS)
                            .contentType(MediaType.JSON_UTF_8)
                            .add("retry-after", "1")
                            .build(),
                        com.linecorp.armeria.common.HttpData.ofUtf8(
                            "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit\"}}"));
                  }
                  return model.service().serve(ctx, req);
                })
            .build();
    server.start().join();
    String base = "http://127.0.0.1:" + server.activeLocalPort() + "/v1";
    ModelReply reply =
        new OpenAiModelClient(base, null, Duration.ofSeconds(10), 3).call(call("hello"));
    assertThat(reply.getError()).isEmpty();
    assertThat(reply.getContent()).startsWith("You said: hello");
    assertThat(hits).hasValue(3);
    // The protocol, not a speed: each retry came after the server's Retry-After (1 s), not after
    // the
    // SDK's own sub-second backoff.
    assertThat(arrivals.get(1) - arrivals.get(0)).isGreaterThanOrEqualTo(950_000_000L);
    assertThat(arrivals.get(2) - arrivals.get(1)).isGreaterThanOrEqualTo(950_000_000L);

    hits.set(-100);
    ModelReply refused =
        new OpenAiModelClient(base, null, Duration.ofSeconds(10), 0).call(call("hello"));
    assertThat(hits).hasValue(-99);
    assertThat(refused.getError()).startsWith("HTTP 429");
  }

  @Test
  void anUnreachableModelIsAnAnswerWithAnError() {
    var client = new OpenAiModelClient("http://127.0.0.1:1/v1", null, Duration.ofSeconds(2), 0);
    ModelReply reply = client.call(call("hello"));
    assertThat(reply.getError()).isNotEmpty();
    assertThat(reply.getCallId()).isEqualTo("t1/m1");
  }
}
