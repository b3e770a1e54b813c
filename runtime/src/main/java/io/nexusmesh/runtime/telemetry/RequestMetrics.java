package io.nexusmesh.runtime.telemetry;

import com.linecorp.armeria.common.SerializationFormat;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Records the metrics every Nexus Mesh component exports, per channel ({@code grpc}, {@code
 * grpc-web}, {@code rest}, {@code http}): {@code nexus_requests_total{channel,method}}, {@code
 * nexus_request_duration_seconds{channel}} and {@code nexus_errors_total{channel,type}}, where
 * type is the gRPC status code name (or {@code HTTP_<status>} for plain HTTP).
 */
public final class RequestMetrics {
  private RequestMetrics() {}

  /** A server decorator that records the metrics of each request into {@code registry}. */
  public static DecoratingHttpServiceFunction decorator(MeterRegistry registry) {
    return (delegate, ctx, req) -> {
      boolean rpc = ctx.config().service().as(GrpcService.class) != null;
      ctx.log().whenComplete().thenAccept(log -> record(registry, log, rpc));
      return delegate.serve(ctx, req);
    };
  }

  private static void record(MeterRegistry registry, RequestLog log, boolean rpc) {
    String channel = channel(log, rpc);
    String method = rpc ? log.fullName() : log.requestHeaders().method().name();
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

  private static String channel(RequestLog log, boolean rpc) {
    SerializationFormat format = log.scheme().serializationFormat();
    if (GrpcSerializationFormats.isGrpcWeb(format)) {
      return "grpc-web";
    }
    if (GrpcSerializationFormats.isGrpc(format)) {
      return "grpc";
    }
    return rpc ? "rest" : "http";
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
