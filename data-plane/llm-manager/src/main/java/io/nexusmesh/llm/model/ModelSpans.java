package io.nexusmesh.llm.model;

import io.nexusmesh.api.semantic.v1.ModelCall;
import io.nexusmesh.api.semantic.v1.ModelReply;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.util.function.Function;

/**
 * A span per model call, following OpenTelemetry's generative-AI conventions: {@code chat <model>},
 * the model asked for, the provider's protocol, and the tokens the reply used ({@code
 * gen_ai.usage.input_tokens}, {@code gen_ai.usage.output_tokens}). Prompts and completions are not
 * recorded: they are the users' data.
 */
final class ModelSpans {
  private final Tracer tracer;

  ModelSpans(OpenTelemetry otel) {
    this.tracer = otel.getTracer("io.nexusmesh.llm.model");
  }

  /** Makes {@code call} through {@code client} in its span. */
  ModelReply call(ModelCall call, Function<ModelCall, ModelReply> client) {
    Span span =
        tracer
            .spanBuilder("chat " + call.getModel())
            .setSpanKind(SpanKind.CLIENT)
            .setAttribute("gen_ai.operation.name", "chat")
            .setAttribute("gen_ai.provider.name", "openai")
            .setAttribute("gen_ai.request.model", call.getModel())
            .setAttribute("gen_ai.request.tools", (long) call.getToolsCount())
            .startSpan();
    try (var current = span.makeCurrent()) {
      ModelReply reply = client.apply(call);
      if (reply.hasUsage()) {
        span.setAttribute("gen_ai.usage.input_tokens", reply.getUsage().getPromptTokens());
        span.setAttribute("gen_ai.usage.output_tokens", reply.getUsage().getCompletionTokens());
      }
      span.setAttribute("gen_ai.response.tool_calls", (long) reply.getToolCallsCount());
      if (!reply.getError().isEmpty()) {
        span.setStatus(StatusCode.ERROR, reply.getError());
        span.setAttribute("error.type", "model_error");
      }
      return reply;
    } catch (RuntimeException e) {
      span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
      span.setAttribute("error.type", e.getClass().getName());
      throw e;
    } finally {
      span.end();
    }
  }
}
