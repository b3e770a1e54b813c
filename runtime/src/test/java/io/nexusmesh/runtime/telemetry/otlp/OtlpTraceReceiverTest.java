package io.nexusmesh.runtime.telemetry.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The receiver as OpenTelemetry's own OTLP exporters reach it, over gRPC and over HTTP: spans kept
 * per trace with their tree, services, kinds, attributes, links and errors; the latest traces
 * first, the least recently updated dropped; an organisation's traces found by attribute.
 */
class OtlpTraceReceiverTest {
  @Test
  void spansFromBothOtlpTransportsAreKeptAsTrees() throws Exception {
    try (OtlpTraceReceiver receiver = OtlpTraceReceiver.startOnLoopback(10)) {
      String grpcTrace;
      String httpTrace;
      try (var grpc =
              tracer(
                  "svc-grpc",
                  OtlpGrpcSpanExporter.builder().setEndpoint(receiver.endpoint()).build());
          var http =
              tracer(
                  "svc-http",
                  OtlpHttpSpanExporter.builder()
                      .setEndpoint(receiver.endpoint() + "/v1/traces")
                      .build())) {
        Span root = grpc.tracer().spanBuilder("root").setSpanKind(SpanKind.SERVER).startSpan();
        Span child =
            grpc.tracer()
                .spanBuilder("child")
                .setParent(io.opentelemetry.context.Context.current().with(root))
                .setAttribute("nexus.org", "acme")
                .addLink(root.getSpanContext(), Attributes.empty())
                .startSpan();
        child.setStatus(StatusCode.ERROR);
        child.end();
        root.end();
        grpcTrace = root.getSpanContext().getTraceId();
        Span other = http.tracer().spanBuilder("other").setSpanKind(SpanKind.CLIENT).startSpan();
        other.end();
        httpTrace = other.getSpanContext().getTraceId();
      }

      List<ReceivedSpan> spans = receiver.traces().trace(grpcTrace).orElseThrow();
      assertThat(spans).extracting(ReceivedSpan::name).containsExactly("root", "child");
      ReceivedSpan root = spans.get(0);
      ReceivedSpan child = spans.get(1);
      assertThat(root.parentSpanId()).isEmpty();
      assertThat(root.kind()).isEqualTo("SERVER");
      assertThat(root.service()).isEqualTo("svc-grpc");
      assertThat(child.parentSpanId()).isEqualTo(root.spanId());
      assertThat(child.attribute("nexus.org")).isEqualTo("acme");
      assertThat(child.links()).containsExactly(grpcTrace + "/" + root.spanId());
      assertThat(child.error()).isTrue();
      assertThat(child.endNanos()).isGreaterThanOrEqualTo(child.startNanos());

      assertThat(receiver.traces().trace(httpTrace).orElseThrow())
          .singleElement()
          .satisfies(s -> assertThat(s.service()).isEqualTo("svc-http"));
      assertThat(receiver.traces().latest(10))
          .extracting(RecentTraces.Summary::traceId)
          .containsExactly(httpTrace, grpcTrace);
      RecentTraces.Summary summary = receiver.traces().latest(10).get(1);
      assertThat(summary.rootName()).isEqualTo("root");
      assertThat(summary.spans()).isEqualTo(2);
      assertThat(summary.error()).isTrue();
      assertThat(receiver.traces().latestWith("nexus.org", "acme", 10))
          .extracting(RecentTraces.Summary::traceId)
          .containsExactly(grpcTrace);
      assertThat(receiver.traces().latestWith("nexus.org", "other", 10)).isEmpty();
      assertThat(receiver.traces().trace("not-hex")).isEmpty();
      assertThat(receiver.traces().spansReceived()).isEqualTo(3);

      // Not OTLP: a 400 saying so, nothing kept.
      var response =
          io.nexusmesh.testing.TestHttp.client()
              .send(
                  HttpRequest.newBuilder(URI.create(receiver.endpoint() + "/v1/traces"))
                      .header("content-type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString("{\"resourceSpans\": 7}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(response.body()).contains("not an OTLP");
      assertThat(receiver.traces().spansReceived()).isEqualTo(3);
    }
  }

  @Test
  void theLeastRecentlyUpdatedTraceGoesFirst() throws Exception {
    try (OtlpTraceReceiver receiver = OtlpTraceReceiver.startOnLoopback(2);
        var sdk =
            tracer(
                "svc", OtlpGrpcSpanExporter.builder().setEndpoint(receiver.endpoint()).build())) {
      List<String> ids = new java.util.ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Span span = sdk.tracer().spanBuilder("s" + i).startSpan();
        span.end();
        ids.add(span.getSpanContext().getTraceId());
        sdk.flush(); // one export per trace, in this order
      }
      assertThat(receiver.traces().latest(10))
          .extracting(RecentTraces.Summary::traceId)
          .containsExactly(ids.get(2), ids.get(1));
      assertThat(receiver.traces().trace(ids.get(0))).isEmpty();
    }
  }

  /** A tracer exporting each span as it ends (SimpleSpanProcessor: no batching to wait for). */
  private record TestTracer(SdkTracerProvider provider) implements AutoCloseable {
    Tracer tracer() {
      return provider.get("test");
    }

    /** Waits until every ended span was exported. */
    void flush() {
      provider.forceFlush().join(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      CompletableResultCode done = provider.shutdown();
      done.join(10, TimeUnit.SECONDS);
    }
  }

  private static TestTracer tracer(String service, SpanExporter exporter) {
    return new TestTracer(
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault()
                    .merge(Resource.builder().put("service.name", service).build()))
            .addSpanProcessor(SimpleSpanProcessor.create(exporter))
            .build());
  }
}
