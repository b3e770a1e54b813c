package io.nexusmesh.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.nexusmesh.runtime.telemetry.TraceParents;
import io.nexusmesh.runtime.telemetry.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

/**
 * The span of a {@code tools/call}, following OpenTelemetry's MCP conventions ({@code tools/call
 * <tool>}, {@code mcp.method.name}, {@code gen_ai.tool.name}, {@code mcp.session.id}). Its parent
 * is the trace context the client put in {@code params._meta.traceparent} (MCP carries context in
 * the message, since one HTTP request of a session is not one call); without one, the HTTP
 * request's. The HTTP request's span, when it is in another trace, is linked. The span ends with
 * the HTTP response (a JSON answer or the last event of a progress stream).
 */
final class McpCallSpans {
  private final Tracer tracer;

  McpCallSpans(OpenTelemetry otel) {
    this.tracer = otel.getTracer("io.nexusmesh.gateway.mcp");
  }

  /** Starts the span of a {@code tools/call} with {@code params}, in {@code session}. */
  Span start(JsonNode params, String session, String org) {
    Context http = TraceParents.current();
    JsonNode meta = params.path("_meta").path(TraceParents.HEADER);
    Context parent = meta.isTextual() ? TraceParents.parse(meta.asText()) : Context.root();
    SpanContext httpSpan = Span.fromContext(http).getSpanContext();
    boolean fromMeta = Span.fromContext(parent).getSpanContext().isValid();
    String tool = params.path("name").asText("");
    var builder =
        tracer
            .spanBuilder("tools/call " + tool)
            .setSpanKind(SpanKind.SERVER)
            .setParent(fromMeta ? parent : http)
            .setAttribute("mcp.method.name", "tools/call")
            .setAttribute("gen_ai.operation.name", "execute_tool")
            .setAttribute("gen_ai.tool.name", tool)
            .setAttribute("mcp.session.id", session)
            .setAttribute(Tracing.ORG, org);
    if (fromMeta
        && httpSpan.isValid()
        && !httpSpan.getTraceId().equals(Span.fromContext(parent).getSpanContext().getTraceId())) {
      builder.addLink(httpSpan);
    }
    Span span = builder.startSpan();
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    if (ctx != null) {
      ctx.log().whenComplete().thenRun(span::end);
    } else {
      span.end();
    }
    return span;
  }
}
