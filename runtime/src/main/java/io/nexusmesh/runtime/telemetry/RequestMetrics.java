package io.nexusmesh.runtime.telemetry;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Records the metrics every Nexus Mesh component exports, per channel ({@code grpc}, {@code
 * grpc-web}, {@code rest}, {@code mcp}, {@code http}): {@code
 * nexus_requests_total{channel,method}}, {@code nexus_request_duration_seconds{channel}} and {@code
 * nexus_errors_total{channel,type}}, where type is the gRPC status code name (or {@code
 * HTTP_<status>} when a request failed before it reached a gRPC handler).
 */
public final class RequestMetrics {
  private RequestMetrics() {}

  /**
   * A server decorator that records the metrics of each request into {@code registry}.
   *
   * @param rpcServices the full names of the gRPC services served, which tell a REST call
   *     transcoded to one of them from a plain HTTP request
   */
  public static DecoratingHttpServiceFunction decorator(
      MeterRegistry registry, Set<String> rpcServices) {
    Set<String> services = Set.copyOf(rpcServices);
    return (delegate, ctx, req) -> {
      String route = ctx.config().route().patternString();
      ctx.log().whenComplete().thenAccept(log -> record(registry, log, services, route));
      return delegate.serve(ctx, req);
    };
  }

  private static void record(
      MeterRegistry registry, RequestLog log, Set<String> rpcServices, String route) {
    String channel = route.startsWith("/mcp") ? "mcp" : channel(log, rpcServices);
    String method = channel.equals("http") ? route : log.fullName();
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

  private static String channel(RequestLog log, Set<String> rpcServices) {
    if (GrpcSerializationFormats.isGrpcWeb(log.scheme().serializationFormat())) {
      return "grpc-web";
    }
    String contentType = log.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE, "");
    if (contentType.startsWith("application/grpc")) {
      return "grpc";
    }
    // Transcoded and unframed calls run the gRPC handler, which names the log after its service.
    return rpcServices.contains(log.serviceName()) ? "rest" : "http";
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
