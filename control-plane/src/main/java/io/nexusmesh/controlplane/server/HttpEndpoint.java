package io.nexusmesh.controlplane.server;

import com.linecorp.armeria.server.HttpService;

/**
 * A plain HTTP endpoint served next to the gRPC services (e.g. a Server-Sent Events stream), for
 * what transcoding cannot express. Each authenticates its callers itself.
 */
public interface HttpEndpoint {
  /** The exact path, e.g. {@code /v1/auditEvents:stream}. */
  String path();

  /** What serves it. */
  HttpService service();

  /** Whether it serves everything under {@link #path()} rather than that exact path. */
  default boolean servesSubtree() {
    return false;
  }
}
