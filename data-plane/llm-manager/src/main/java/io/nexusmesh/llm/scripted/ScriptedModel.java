package io.nexusmesh.llm.scripted;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Nexus's scripted model: a tiny, deterministic stand-in for a language model that speaks the
 * OpenAI chat completions wire protocol ({@code POST /v1/chat/completions}, streamed as server-sent
 * events with {@code stream_options.include_usage}, or whole), so a newcomer can watch the tool
 * loop run without a model or a key, and tests can drive the real client. Its script: when the last
 * message is the user's and names one of the offered tools, it calls that tool with the first JSON
 * object in the message as arguments ({@code {}} if none); after a tool result it answers with that
 * result; otherwise it echoes the message and says how to make it call a tool. When the system
 * prompt says "JSON" it answers with JSON alone: the tool's result, or the message's first object.
 * Tokens are counted as one per four characters. It answers without blocking a thread, so it can
 * hold thousands of slow calls at once.
 */
public final class ScriptedModel implements AutoCloseable {
  /** The name it answers with. */
  public static final String MODEL = "nexus-scripted";

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * How it behaves.
   *
   * @param latency how long it thinks before answering, given the last user message
   * @param fragmentToolCalls stream a tool call's arguments in pieces after a first chunk with its
   *     id and name (OpenAI's way); false sends each call whole in one chunk (Ollama's way)
   */
  public record Options(Function<String, Duration> latency, boolean fragmentToolCalls) {
    /** No latency, fragmented tool calls. */
    public static final Options DEFAULT = new Options(text -> Duration.ZERO, true);
  }

  private final Server server;
  private final Options options;
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();

  private ScriptedModel(int port, Options options) {
    this.options = options;
    this.server =
        Server.builder()
            .http(new java.net.InetSocketAddress("127.0.0.1", port))
            .service("/v1/chat/completions", service())
            .build();
  }

  /** Starts one on loopback ({@code port} 0: any free port). */
  public static ScriptedModel start(int port, Options options) {
    ScriptedModel model = new ScriptedModel(port, options);
    model.server.start().join();
    return model;
  }

  /** Its base URL, e.g. {@code http://127.0.0.1:4321/v1}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.activeLocalPort() + "/v1";
  }

  /** How many chat completions it was asked for. */
  public long requests() {
    return requests.get();
  }

  /** The service, for mounting elsewhere. */
  public HttpService service() {
    return (ctx, req) ->
        HttpResponse.of(
            req.aggregate()
                .thenCompose(
                    body -> {
                      JsonNode request;
                      try {
                        request = JSON.readTree(body.contentUtf8());
                      } catch (IOException e) {
                        return CompletableFuture.completedFuture(
                            error(HttpStatus.BAD_REQUEST, "the body is not JSON"));
                      }
                      if (!request.path("messages").isArray()) {
                        return CompletableFuture.completedFuture(
                            error(HttpStatus.BAD_REQUEST, "messages: required"));
                      }
                      requests.incrementAndGet();
                      Duration delay = options.latency().apply(lastUserText(request));
                      CompletableFuture<HttpResponse> answer = new CompletableFuture<>();
                      ctx.eventLoop()
                          .schedule(
                              () -> answer.complete(answer(request)),
                              delay.toMillis(),
                              TimeUnit.MILLISECONDS);
                      return answer;
                    }));
  }

  private static HttpResponse error(HttpStatus status, String message) {
    ObjectNode body = JSON.createObjectNode();
    body.putObject("error").put("message", message).put("type", "invalid_request_error");
    return HttpResponse.of(status, MediaType.JSON_UTF_8, body.toString());
  }

  private static String lastUserText(JsonNode request) {
    String text = "";
    for (JsonNode message : request.path("messages")) {
      if (message.path("role").asText().equals("user")) {
        text = message.path("content").asText("");
      }
    }
    return text;
  }

  /** What the script says. */
  private record Answer(String content, List<ObjectNode> toolCalls) {}

  private Answer script(JsonNode request) {
    JsonNode messages = request.path("messages");
    JsonNode last = messages.get(messages.size() - 1);
    String role = last.path("role").asText();
    boolean wantsJson = systemPrompt(request).contains("JSON");
    if (role.equals("tool")) {
      String result = last.path("content").asText();
      return new Answer(wantsJson ? result : "The tool answered: " + result, List.of());
    }
    String text = last.path("content").asText("");
    List<String> tools = new ArrayList<>();
    for (JsonNode tool : request.path("tools")) {
      tools.add(tool.path("function").path("name").asText());
    }
    tools.sort(Comparator.comparingInt(String::length).reversed());
    for (String tool : tools) {
      if (!tool.isEmpty() && text.contains(tool)) {
        ObjectNode call = JSON.createObjectNode();
        call.put("id", "call_" + ids.incrementAndGet());
        call.put("type", "function");
        call.putObject("function").put("name", tool).put("arguments", firstJsonObject(text));
        return new Answer("I will call " + tool + ".", List.of(call));
      }
    }
    if (wantsJson && !firstJsonObject(text).equals("{}")) {
      return new Answer(firstJsonObject(text), List.of());
    }
    return new Answer(
        "You said: "
            + text
            + " (I am Nexus's scripted model: name one of my tools"
            + (tools.isEmpty() ? ", once there are some," : " (" + String.join(", ", tools) + ")")
            + " with its arguments as JSON, and I will call it.)",
        List.of());
  }

  private static String systemPrompt(JsonNode request) {
    for (JsonNode message : request.path("messages")) {
      if (message.path("role").asText().equals("system")) {
        return message.path("content").asText("");
      }
    }
    return "";
  }

  private static String firstJsonObject(String text) {
    int start = text.indexOf('{');
    while (start >= 0) {
      for (int end = text.lastIndexOf('}'); end > start; end = text.lastIndexOf('}', end - 1)) {
        String candidate = text.substring(start, end + 1);
        try {
          if (JSON.readTree(candidate).isObject()) {
            return JSON.readTree(candidate).toString();
          }
        } catch (IOException e) {
          // try a shorter one
        }
      }
      start = text.indexOf('{', start + 1);
    }
    return "{}";
  }

  private HttpResponse answer(JsonNode request) {
    Answer answer = script(request);
    String model = request.path("model").asText(MODEL);
    long promptTokens = Math.max(1, request.path("messages").toString().length() / 4);
    long completionTokens =
        Math.max(1, (answer.content().length() + answer.toolCalls().toString().length()) / 4);
    String id = "chatcmpl-" + ids.incrementAndGet();
    long created = System.currentTimeMillis() / 1000;
    ObjectNode usage = JSON.createObjectNode();
    usage.put("prompt_tokens", promptTokens);
    usage.put("completion_tokens", completionTokens);
    usage.put("total_tokens", promptTokens + completionTokens);
    String finish = answer.toolCalls().isEmpty() ? "stop" : "tool_calls";
    if (!request.path("stream").asBoolean(false)) {
      ObjectNode completion = envelope(id, created, model, "chat.completion");
      ObjectNode choice = completion.putArray("choices").addObject();
      choice.put("index", 0).put("finish_reason", finish);
      ObjectNode message = choice.putObject("message").put("role", "assistant");
      message.put("content", answer.content());
      if (!answer.toolCalls().isEmpty()) {
        message.putArray("tool_calls").addAll(answer.toolCalls());
      }
      completion.set("usage", usage);
      return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, completion.toString());
    }
    List<ObjectNode> chunks = new ArrayList<>();
    ObjectNode first = chunk(id, created, model);
    first
        .withArray("choices")
        .addObject()
        .put("index", 0)
        .putObject("delta")
        .put("role", "assistant")
        .put("content", "");
    chunks.add(first);
    for (String piece : pieces(answer.content(), 16)) {
      ObjectNode chunk = chunk(id, created, model);
      chunk
          .withArray("choices")
          .addObject()
          .put("index", 0)
          .putObject("delta")
          .put("content", piece);
      chunks.add(chunk);
    }
    int index = 0;
    for (ObjectNode call : answer.toolCalls()) {
      String arguments = call.path("function").path("arguments").asText();
      ObjectNode head = chunk(id, created, model);
      ObjectNode delta = head.withArray("choices").addObject().put("index", 0).putObject("delta");
      ObjectNode part = delta.putArray("tool_calls").addObject().put("index", index);
      part.put("id", call.path("id").asText()).put("type", "function");
      ObjectNode function =
          part.putObject("function").put("name", call.path("function").path("name").asText());
      if (!options.fragmentToolCalls()) {
        function.put("arguments", arguments);
        chunks.add(head);
      } else {
        function.put("arguments", "");
        chunks.add(head);
        for (String piece : pieces(arguments, 5)) {
          ObjectNode chunk = chunk(id, created, model);
          ArrayNode parts =
              chunk
                  .withArray("choices")
                  .addObject()
                  .put("index", 0)
                  .putObject("delta")
                  .putArray("tool_calls");
          parts.addObject().put("index", index).putObject("function").put("arguments", piece);
          chunks.add(chunk);
        }
      }
      index++;
    }
    ObjectNode last = chunk(id, created, model);
    last.withArray("choices")
        .addObject()
        .put("index", 0)
        .put("finish_reason", finish)
        .putObject("delta");
    chunks.add(last);
    if (request.path("stream_options").path("include_usage").asBoolean(false)) {
      ObjectNode tail = chunk(id, created, model);
      tail.putArray("choices");
      tail.set("usage", usage);
      chunks.add(tail);
    }
    StringBuilder body = new StringBuilder();
    for (ObjectNode chunk : chunks) {
      body.append("data: ").append(chunk).append("\n\n");
    }
    body.append("data: [DONE]\n\n");
    return HttpResponse.of(
        ResponseHeaders.of(HttpStatus.OK, "content-type", "text/event-stream"),
        HttpData.ofUtf8(body.toString()));
  }

  private static List<String> pieces(String text, int size) {
    List<String> pieces = new ArrayList<>();
    for (int i = 0; i < text.length(); i += size) {
      pieces.add(text.substring(i, Math.min(text.length(), i + size)));
    }
    return pieces;
  }

  private static ObjectNode envelope(String id, long created, String model, String object) {
    ObjectNode node = JSON.createObjectNode();
    node.put("id", id).put("object", object).put("created", created).put("model", model);
    return node;
  }

  private static ObjectNode chunk(String id, long created, String model) {
    return envelope(id, created, model, "chat.completion.chunk");
  }

  @Override
  public void close() {
    server.stop().join();
  }
}
