package io.nexusmesh.runtime.telemetry;

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
 * Records the metrics every Nexus Mesh component exports, per channel ({@link Channels}, and {@code
 * http} for what no gRPC service answers): {@code nexus_requests_total{channel,method}}, {@code
 * nexus_request_duration_seconds{channel}} and {@code nexus_errors_total{channel,type}}, where type
 * is the gRPC status code name (or {@code HTTP_<status>} when a request failed before it reached a
 * gRPC handler).
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
      String path = ctx.path();
      ctx.log().whenComplete().thenAccept(log -> record(registry, log, services, route, path));
      return delegate.serve(ctx, req);
    };
  }

  private static void record(
      MeterRegistry registry, RequestLog log, Set<String> rpcServices, String route, String path) {
    boolean rpc = rpcServices.contains(log.serviceName());
    String channel = channel(log, rpc, path);
    String method = rpc ? log.fullName() : route;
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

  /**
   * The request's {@link Channels channel}, except that a request no gRPC service handled (health,
   * metrics, docs) is {@code http}, not {@code rest}. (Transcoded and unframed calls run the gRPC
   * handler, which names the log after its service.)
   */
  private static String channel(RequestLog log, boolean rpc, String path) {
    String channel = Channels.of(path, log.requestHeaders());
    return channel.equals("rest") && !rpc ? "http" : channel;
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
