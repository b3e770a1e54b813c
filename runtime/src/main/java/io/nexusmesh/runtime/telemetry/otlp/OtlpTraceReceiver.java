package io.nexusmesh.runtime.telemetry.otlp;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.net.InetSocketAddress;

/**
 * An OTLP trace receiver: OTLP/gRPC ({@code opentelemetry.proto.collector.trace.v1.TraceService})
 * and OTLP/HTTP ({@code POST /v1/traces}, protobuf or JSON) on one port, keeping what it receives
 * in {@link RecentTraces}. Point any OpenTelemetry SDK at it with {@code
 * OTEL_EXPORTER_OTLP_ENDPOINT}.
 *
 * <p>Written here because a collector is a separate binary: {@code nexus dev} keeps its traces in
 * the JVM so a newcomer sees one without running Jaeger. It is not a collector (no batching,
 * sampling or forwarding); production exports to a real one.
 */
public final class OtlpTraceReceiver implements AutoCloseable {
  private final RecentTraces traces;
  private final Server server;

  private OtlpTraceReceiver(RecentTraces traces, Server server) {
    this.traces = traces;
    this.server = server;
  }

  /** Adds the receiver's gRPC and HTTP services, keeping spans in {@code traces}, to a server. */
  public static void addTo(ServerBuilder server, RecentTraces traces) {
    requireNonNull(traces, "traces");
    server.service(
        GrpcService.builder()
            .addService(
                new TraceServiceGrpc.TraceServiceImplBase() {
                  @Override
                  public void export(
                      ExportTraceServiceRequest request,
                      StreamObserver<ExportTraceServiceResponse> response) {
                    traces.add(request);
                    response.onNext(ExportTraceServiceResponse.getDefaultInstance());
                    response.onCompleted();
                  }
                })
            .build());
    server.service("/v1/traces", httpExport(traces));
  }

  private static HttpService httpExport(RecentTraces traces) {
    return (ctx, req) ->
        HttpResponse.of(
            req.aggregate()
                .thenApply(
                    body -> {
                      ExportTraceServiceRequest.Builder request =
                          ExportTraceServiceRequest.newBuilder();
                      MediaType type = body.contentType();
                      try {
                        if (type != null && type.is(MediaType.JSON)) {
                          JsonFormat.parser()
                              .ignoringUnknownFields()
                              .merge(body.contentUtf8(), request);
                        } else {
                          request.mergeFrom(body.content().array());
                        }
                      } catch (InvalidProtocolBufferException e) {
                        return HttpResponse.of(
                            HttpStatus.BAD_REQUEST,
                            MediaType.PLAIN_TEXT_UTF_8,
                            "not an OTLP ExportTraceServiceRequest: " + e.getMessage());
                      }
                      traces.add(request.build());
                      return HttpResponse.of(
                          HttpStatus.OK,
                          MediaType.PROTOBUF,
                          ExportTraceServiceResponse.getDefaultInstance().toByteArray());
                    }));
  }

  /** A receiver on its own server at {@code address} (port 0: any free port). */
  public static OtlpTraceReceiver start(InetSocketAddress address, int capacity) {
    RecentTraces traces = new RecentTraces(capacity);
    ServerBuilder builder = Server.builder().http(address);
    addTo(builder, traces);
    Server server = builder.build();
    server.start().join();
    return new OtlpTraceReceiver(traces, server);
  }

  /** A receiver on a free loopback port. */
  public static OtlpTraceReceiver startOnLoopback(int capacity) {
    return start(new InetSocketAddress("127.0.0.1", 0), capacity);
  }

  /** The URL to export to ({@code OTEL_EXPORTER_OTLP_ENDPOINT}), gRPC and HTTP alike. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.activeLocalPort();
  }

  /** What it has received. */
  public RecentTraces traces() {
    return traces;
  }

  @Override
  public void close() {
    server.stop().join();
  }
}
