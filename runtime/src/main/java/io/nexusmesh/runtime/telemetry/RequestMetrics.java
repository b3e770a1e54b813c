package io.nexusmesh.runtime.telemetry;

import com.linecorp.armeria.common.SerializationFormat;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Records the metrics every Nexus Mesh component exports, per channel ({@code grpc}, {@code
 * grpc-web}, {@code rest}, {@code http}): {@code nexus_requests_total{channel,method}}, {@code
 * nexus_request_duration_seconds{channel}} and {@code nexus_errors_total{channel,type}}, where type
 * is the gRPC status code name (or {@code HTTP_<status>} when a request failed before it reached a
 * gRPC handler).
 */
public final class RequestMetrics {
  private RequestMetrics() {}

  /**
   * A decorator for the routes of a gRPC service (gRPC, gRPC-Web, unframed and transcoded REST)
   * that records the metrics of each request into {@code registry}.
   */
  public static DecoratingHttpServiceFunction decorator(MeterRegistry registry) {
    return (delegate, ctx, req) -> {
      ctx.log().whenComplete().thenAccept(log -> record(registry, log));
      return delegate.serve(ctx, req);
    };
  }

  private static void record(MeterRegistry registry, RequestLog log) {
    String channel = channel(log);
    String method = log.fullName();
    Counter.builder("nexus.requests")
        .description("Requests served, by channel and method")
        .tag("channel", channel)
        .tag("method", method)
        .register(registry)
        .increment();
    Timer.builder("nexus.request.duration")
        .description("Request latency, by channel")
        .tag("channel", channel)
        .publishPercentileHistogram()
        .register(registry)
        .record(log.totalDurationNanos(), TimeUnit.NANOSECONDS);
    String type = errorType(log);
    if (type != null) {
      Counter.builder("nexus.errors")
          .description("Failed requests, by channel and error type")
          .tag("channel", channel)
          .tag("type", type)
          .register(registry)
          .increment();
    }
  }

  private static String channel(RequestLog log) {
    SerializationFormat format = log.scheme().serializationFormat();
    if (GrpcSerializationFormats.isGrpcWeb(format)) {
      return "grpc-web";
    }
    if (GrpcSerializationFormats.isGrpc(format)) {
      return "grpc";
    }
    return "rest";
  }

  private static @Nullable String errorType(RequestLog log) {
    String grpcStatus = GrpcStatuses.of(log);
    if (grpcStatus != null) {
      int code = Integer.parseInt(grpcStatus);
      return code == 0 ? null : Status.fromCodeValue(code).getCode().name();
    }
    int http = log.responseHeaders().status().code();
    return http >= 400 ? "HTTP_" + http : null;
  }
}
