package io.nexusmesh.llm.model;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIException;
import com.openai.errors.OpenAIServiceException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import io.nexusmesh.api.semantic.v1.ChatMessage;
import io.nexusmesh.api.semantic.v1.ModelCall;
import io.nexusmesh.api.semantic.v1.ModelReply;
import io.nexusmesh.api.semantic.v1.ToolCall;
import io.nexusmesh.api.semantic.v1.ToolSpec;
import io.nexusmesh.api.semantic.v1.Usage;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Models behind the OpenAI-compatible chat completions API (OpenAI, vLLM, Ollama, llama.cpp's
 * server and hosted peers), through OpenAI's Java SDK with a configurable base URL. Every call
 * streams ({@code stream_options.include_usage} for the token count); the SDK's accumulator joins
 * the chunks, tool-call fragments by their {@code index} (OpenAI's way) or whole calls in one chunk
 * (Ollama's). The SDK retries 408/409/429/5xx and connection failures with exponential backoff,
 * honouring {@code Retry-After}; {@code timeout} bounds each attempt.
 */
public final class OpenAiModelClient implements ModelClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().omittingInsignificantWhitespace();

  private final OpenAIClient client;
  private final Duration timeout;

  /**
   * @param baseUrl e.g. {@code https://api.openai.com/v1} or {@code http://localhost:11434/v1}
   * @param apiKey the provider's key; local servers take any
   * @param timeout the deadline of one attempt
   * @param maxRetries retries after the first attempt
   */
  public OpenAiModelClient(
      String baseUrl, @Nullable String apiKey, Duration timeout, int maxRetries) {
    this.timeout = timeout;
    this.client =
        OpenAIOkHttpClient.builder()
            .baseUrl(baseUrl)
            .apiKey(apiKey == null || apiKey.isBlank() ? "none" : apiKey)
            .timeout(timeout)
            .maxRetries(maxRetries)
            .build();
  }

  @Override
  public ModelReply call(ModelCall call) {
    ToolNames names = new ToolNames(call.getToolsList());
    ChatCompletionCreateParams params = params(call, names);
    ChatCompletion completion;
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(params)) {
      ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
      stream.stream().forEach(accumulator::accumulate);
      completion = accumulator.chatCompletion();
    } catch (OpenAIServiceException e) {
      return failed(call, "HTTP " + e.statusCode() + ": " + brief(e.getMessage()));
    } catch (OpenAIException e) {
      return failed(call, brief(e.getMessage()));
    } catch (RuntimeException e) {
      return failed(call, e.getClass().getSimpleName() + ": " + brief(e.getMessage()));
    }
    ModelReply.Builder reply = ModelReply.newBuilder().setCallId(call.getCallId());
    completion
        .usage()
        .ifPresent(
            usage ->
                reply.setUsage(
                    Usage.newBuilder()
                        .setModel(completion.model())
                        .setPromptTokens(usage.promptTokens())
                        .setCompletionTokens(usage.completionTokens())));
    if (completion.choices().isEmpty()) {
      return reply.setError("the model returned no choice").build();
    }
    ChatCompletionMessage message = completion.choices().get(0).message();
    reply.setContent(message.content().orElse(""));
    for (ChatCompletionMessageToolCall toolCall : message.toolCalls().orElse(java.util.List.of())) {
      toolCall
          .function()
          .ifPresent(
              function ->
                  reply.addToolCalls(
                      ToolCall.newBuilder()
                          .setCallId(function.id())
                          .setToolName(names.tool(function.function().name()))
                          .setArguments(arguments(function.function().arguments()))));
    }
    return reply.build();
  }

  private ModelReply failed(ModelCall call, String error) {
    return ModelReply.newBuilder().setCallId(call.getCallId()).setError(error).build();
  }

  private static String brief(@Nullable String message) {
    if (message == null) {
      return "no detail";
    }
    return message.length() > 500 ? message.substring(0, 500) + "..." : message;
  }

  /** The model's arguments; text that is not a JSON object is passed on for the tool to refuse. */
  private static Struct arguments(String json) {
    Struct.Builder arguments = Struct.newBuilder();
    try {
      JsonFormat.parser().merge(json.isBlank() ? "{}" : json, arguments);
      return arguments.build();
    } catch (InvalidProtocolBufferException e) {
      return Struct.newBuilder()
          .putFields(
              "_unparsed_arguments",
              com.google.protobuf.Value.newBuilder().setStringValue(json).build())
          .build();
    }
  }

  private static ChatCompletionCreateParams params(ModelCall call, ToolNames names) {
    var params =
        ChatCompletionCreateParams.builder()
            .model(call.getModel())
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build());
    for (ChatMessage message : call.getMessagesList()) {
      switch (message.getRole()) {
        case "system" -> params.addSystemMessage(message.getContent());
        case "user" -> params.addUserMessage(message.getContent());
        case "tool" ->
            params.addMessage(
                ChatCompletionToolMessageParam.builder()
                    .toolCallId(message.getToolCallId())
                    .content(message.getContent())
                    .build());
        default -> params.addMessage(assistant(message, names));
      }
    }
    for (ToolSpec tool : call.getToolsList()) {
      params.addTool(
          ChatCompletionFunctionTool.builder()
              .function(
                  FunctionDefinition.builder()
                      .name(names.function(tool.getName()))
                      .description(tool.getDescription())
                      .parameters(parameters(tool.getInputSchema()))
                      .build())
              .build());
    }
    return params.build();
  }

  private static ChatCompletionAssistantMessageParam assistant(
      ChatMessage message, ToolNames names) {
    var assistant = ChatCompletionAssistantMessageParam.builder();
    if (!message.getContent().isEmpty() || message.getToolCallsCount() == 0) {
      assistant.content(message.getContent());
    }
    for (ToolCall call : message.getToolCallsList()) {
      assistant.addToolCall(
          ChatCompletionMessageFunctionToolCall.builder()
              .id(call.getCallId())
              .function(
                  ChatCompletionMessageFunctionToolCall.Function.builder()
                      .name(names.function(call.getToolName()))
                      .arguments(print(call.getArguments()))
                      .build())
              .build());
    }
    return assistant.build();
  }

  private static FunctionParameters parameters(Struct schema) {
    var parameters = FunctionParameters.builder();
    Map<String, Object> fields;
    try {
      fields =
          JSON.readValue(
              schema.getFieldsCount() == 0 ? "{\"type\":\"object\"}" : print(schema),
              new TypeReference<Map<String, Object>>() {});
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("unreadable input schema", e);
    }
    fields.forEach((key, value) -> parameters.putAdditionalProperty(key, JsonValue.from(value)));
    return parameters.build();
  }

  private static String print(Struct struct) {
    try {
      return PRINTER.print(struct);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** The deadline of one attempt. */
  public Duration timeout() {
    return timeout;
  }

  @Override
  public void close() {
    client.close();
  }
}
