package io.nexusmesh.sidecar.invoke;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.stream.ClosedStreamException;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.sidecar.v1.InvokeToolRequest;
import io.nexusmesh.runtime.error.FieldViolation;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.sidecar.PanelApp;
import io.nexusmesh.sidecar.manifest.ManifestLimits;
import io.nexusmesh.sidecar.manifest.PanelManifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;

/**
 * One tool call, relayed to the panel's {@code POST /mcp/execute}: the arguments are checked
 * against the tool's input schema first; the request carries the idempotency key as {@code
 * Idempotency-Key} and the caller's W3C trace context; the panel's answer becomes the result (2xx)
 * or a clear error: FAILED_PRECONDITION {@code TOOL_FAILED} with the panel's message (4xx/5xx),
 * UNAVAILABLE {@code PANEL_UNAVAILABLE} with retry info (not answering), DEADLINE_EXCEEDED (too
 * slow), or {@code TOOL_FAILED} for a result over {@value ManifestLimits#MAX_RESULT_BYTES} bytes or
 * not JSON.
 */
public final class ToolCaller {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper STRICT =
      new ObjectMapper()
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final Duration RETRY_DOWN_PANEL = Duration.ofSeconds(1);
  private static final int MAX_MESSAGE_CHARS = 2000;

  private final PanelApp app;
  private final String panel;

  public ToolCaller(PanelApp app, String panel) {
    this.app = requireNonNull(app, "app");
    this.panel = requireNonNull(panel, "panel");
  }

  /** The trace context sent on to the panel: the sidecar's span of the call (W3C headers). */
  public record Trace(@Nullable String traceparent, @Nullable String tracestate) {}

  /** Calls the tool within {@code deadline}; the future fails with a {@link NexusException}. */
  public CompletableFuture<Value> call(
      PanelManifest manifest, InvokeToolRequest request, Duration deadline, Trace trace) {
    if (!manifest.ready()) {
      return CompletableFuture.failedFuture(
          unavailable("panel " + panel + " is not ready: " + manifest.message()));
    }
    if (manifest.tool(request.getTool()).isEmpty()) {
      return CompletableFuture.failedFuture(NexusException.notFound("tool", request.getTool()));
    }
    JsonNode arguments = json(request.getArguments());
    Schema schema = manifest.schemas().get(request.getTool());
    if (schema != null) {
      List<FieldViolation> violations = new ArrayList<>();
      for (Error error : schema.validate(arguments)) {
        StringBuilder field = new StringBuilder("arguments");
        var location = error.getInstanceLocation();
        for (int i = 0; i < location.getNameCount(); i++) {
          Object element = location.getElement(i);
          field.append(element instanceof Number ? "[" + element + "]" : "." + element);
        }
        if ("required".equals(error.getKeyword()) && error.getProperty() != null) {
          field.append('.').append(error.getProperty());
        }
        violations.add(new FieldViolation(field.toString(), error.getMessage()));
      }
      if (!violations.isEmpty()) {
        return CompletableFuture.failedFuture(NexusException.invalidArgument(violations));
      }
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("tool", request.getTool());
    body.set("arguments", arguments);
    body.put("requestId", request.getRequestId());
    body.put("sessionId", request.getSessionId());
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    if (bytes.length > ManifestLimits.MAX_ARGUMENT_BYTES) {
      return CompletableFuture.failedFuture(
          NexusException.invalidArgument(
              "arguments",
              "larger than the limit of " + ManifestLimits.MAX_ARGUMENT_BYTES + " bytes"));
    }
    var prepared =
        app.client()
            .prepare()
            .post("/mcp/execute")
            .content(MediaType.JSON_UTF_8, bytes)
            .header(HttpHeaderNames.ACCEPT, "application/json")
            .responseTimeout(deadline)
            .maxResponseLength(ManifestLimits.MAX_RESULT_BYTES);
    if (!request.getRequestId().isEmpty()) {
      prepared.header("idempotency-key", request.getRequestId());
    }
    if (trace.traceparent() != null) {
      prepared.header("traceparent", trace.traceparent());
      if (trace.tracestate() != null) {
        prepared.header("tracestate", trace.tracestate());
      }
    }
    return prepared
        .execute()
        .aggregate()
        .handle((response, failure) -> answer(request.getTool(), response, failure, deadline));
  }

  private Value answer(
      String tool,
      @Nullable AggregatedHttpResponse response,
      @Nullable Throwable failure,
      Duration deadline) {
    if (failure != null) {
      throw failure(
          tool,
          failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure,
          deadline);
    }
    requireNonNull(response, "response");
    int status = response.status().code();
    String text = response.contentUtf8();
    if (status < 200 || status > 299) {
      throw NexusException.of(
              ErrorReason.ERROR_REASON_TOOL_FAILED,
              "tool " + tool + " of panel " + panel + " failed (" + status + "): " + message(text))
          .withMetadata("panel", panel)
          .withMetadata("tool", tool)
          .withMetadata("status", Integer.toString(status));
    }
    try {
      // Checked by Jackson first: protobuf's JSON parser is lenient (it takes `not json` for a
      // string); then parsed once more, as it came, into the Value.
      if (!text.isBlank()) {
        STRICT.readTree(text);
      }
      Value.Builder value = Value.newBuilder();
      JsonFormat.parser().merge(text.isBlank() ? "null" : text, value);
      return value.build();
    } catch (IOException e) {
      throw NexusException.of(
              ErrorReason.ERROR_REASON_TOOL_FAILED,
              "tool " + tool + " of panel " + panel + " answered something that is not JSON")
          .withMetadata("panel", panel)
          .withMetadata("tool", tool);
    }
  }

  private NexusException failure(String tool, Throwable cause, Duration deadline) {
    if (cause instanceof ResponseTimeoutException) {
      return NexusException.of(
              ErrorReason.ERROR_REASON_DEADLINE_EXCEEDED,
              "tool "
                  + tool
                  + " of panel "
                  + panel
                  + " did not answer within "
                  + deadline.toMillis()
                  + " ms")
          .withMetadata("panel", panel);
    }
    if (cause instanceof ContentTooLargeException) {
      return NexusException.of(
              ErrorReason.ERROR_REASON_TOOL_FAILED,
              "tool "
                  + tool
                  + " of panel "
                  + panel
                  + " answered more than the limit of "
                  + ManifestLimits.MAX_RESULT_BYTES
                  + " bytes")
          .withMetadata("panel", panel)
          .withMetadata("tool", tool);
    }
    if (cause instanceof UnprocessedRequestException
        || cause instanceof ClosedStreamException
        || cause instanceof IOException
        || cause instanceof com.linecorp.armeria.common.ClosedSessionException) {
      return unavailable(
          "panel " + panel + " is not answering (" + cause.getClass().getSimpleName() + ")");
    }
    return unavailable(
        "panel " + panel + " could not be called: " + cause.getClass().getSimpleName());
  }

  private NexusException unavailable(String message) {
    return NexusException.of(ErrorReason.ERROR_REASON_PANEL_UNAVAILABLE, message)
        .withMetadata("panel", panel)
        .withRetryDelay(RETRY_DOWN_PANEL);
  }

  /** The panel's error message: its JSON {@code error} or {@code message}, else the text. */
  private static String message(String text) {
    String message = text;
    try {
      JsonNode node = JSON.readTree(text);
      if (node != null && node.isObject()) {
        JsonNode error = node.has("error") ? node.get("error") : node.get("message");
        if (error != null) {
          message = error.isTextual() ? error.asText() : error.toString();
        }
      }
    } catch (IOException e) {
      // plain text
    }
    message = message.strip();
    return message.length() > MAX_MESSAGE_CHARS
        ? message.substring(0, MAX_MESSAGE_CHARS) + "..."
        : message;
  }

  private static JsonNode json(Struct arguments) {
    try {
      return JSON.readTree(JsonFormat.printer().omittingInsignificantWhitespace().print(arguments));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
