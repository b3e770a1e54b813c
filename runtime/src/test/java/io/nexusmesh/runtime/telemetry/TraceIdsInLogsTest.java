package io.nexusmesh.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.Server;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Log lines written while a request is served name its trace: on the event loop that received it
 * and on the blocking executor it moved to, the MDC holds the caller's trace id (from its W3C
 * {@code traceparent}) and the server span's id; after the request, the threads' MDC is clean.
 */
class TraceIdsInLogsTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final org.slf4j.Logger LOG = LoggerFactory.getLogger("trace-ids-test");

  // Each event's MDC read where it is logged (logback reads it lazily otherwise).
  private final ListAppender<ILoggingEvent> appender =
      new ListAppender<>() {
        @Override
        protected void append(ILoggingEvent event) {
          event.prepareForDeferredProcessing();
          super.append(event);
        }
      };
  private Server server;

  @BeforeEach
  void start() {
    appender.start();
    ((Logger) LoggerFactory.getLogger("trace-ids-test")).addAppender(appender);
    server =
        Server.builder()
            .http(0)
            .service(
                "/work",
                (ctx, req) -> {
                  LOG.info("on the event loop");
                  CompletableFuture<HttpResponse> later = new CompletableFuture<>();
                  ctx.blockingTaskExecutor()
                      .execute(
                          () -> {
                            LOG.info("on the blocking executor");
                            later.complete(HttpResponse.of(HttpStatus.OK));
                          });
                  return HttpResponse.of(later);
                })
            .service(
                "/quiet",
                (ctx, req) -> {
                  LOG.info("another request");
                  return HttpResponse.of(HttpStatus.OK);
                })
            .decorator(
                Tracing.serverDecorator(
                    OpenTelemetrySdk.builder()
                        .setTracerProvider(
                            SdkTracerProvider.builder()
                                .addSpanProcessor(
                                    SimpleSpanProcessor.create(InMemorySpanExporter.create()))
                                .build())
                        .setPropagators(
                            ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                        .build()))
            .build();
    server.start().join();
  }

  @AfterEach
  void stop() {
    server.stop().join();
    ((Logger) LoggerFactory.getLogger("trace-ids-test")).detachAppender(appender);
  }

  @Test
  void everyLineOfARequestCarriesItsTraceAndSpanIds() {
    WebClient client = WebClient.of("http://127.0.0.1:" + server.activeLocalPort());
    var response =
        client
            .execute(
                RequestHeaders.builder(HttpMethod.GET, "/work")
                    .add("traceparent", "00-" + TRACE_ID + "-00f067aa0ba902b7-01")
                    .build())
            .aggregate()
            .join();
    assertThat(response.status()).isEqualTo(HttpStatus.OK);
    client.get("/quiet").aggregate().join();

    assertThat(appender.list).hasSize(3);
    ILoggingEvent onLoop = appender.list.get(0);
    ILoggingEvent blocking = appender.list.get(1);
    assertThat(onLoop.getMDCPropertyMap()).containsEntry(Tracing.TRACE_ID, TRACE_ID);
    assertThat(blocking.getMDCPropertyMap()).containsEntry(Tracing.TRACE_ID, TRACE_ID);
    String spanId = onLoop.getMDCPropertyMap().get(Tracing.SPAN_ID);
    assertThat(spanId)
        .as(appender.list.toString() + onLoop.getMDCPropertyMap())
        .hasSize(16)
        .isNotEqualTo("00f067aa0ba902b7");
    assertThat(blocking.getMDCPropertyMap()).containsEntry(Tracing.SPAN_ID, spanId);
    // A request without a traceparent starts a trace of its own; nothing leaks from the first.
    assertThat(appender.list.get(2).getMDCPropertyMap().get(Tracing.TRACE_ID))
        .hasSize(32)
        .isNotEqualTo(TRACE_ID);
  }
}
