package io.nexusmesh.runtime.telemetry;

import com.linecorp.armeria.common.logging.RequestLog;
import org.jspecify.annotations.Nullable;

/**
 * Reads the gRPC status code of a finished call from its log (trailers, or trailers-only headers).
 */
final class GrpcStatuses {
  private GrpcStatuses() {}

  static @Nullable String of(RequestLog log) {
    String status = log.responseTrailers().get("grpc-status");
    return status != null ? status : log.responseHeaders().get("grpc-status");
  }
}
