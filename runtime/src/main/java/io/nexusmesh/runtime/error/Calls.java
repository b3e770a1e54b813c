package io.nexusmesh.runtime.error;

import com.linecorp.armeria.common.RequestContext;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * Closes a gRPC server call with a {@link NexusException}, details included. For interceptors,
 * which reject calls before any handler runs and so never reach the exception handler.
 */
public final class Calls {
  private Calls() {}

  /** Closes {@code call} with the wire form of {@code error}. */
  public static void close(ServerCall<?, ?> call, NexusException error) {
    StatusRuntimeException wire =
        StatusProto.toStatusRuntimeException(StatusProtos.toStatus(error));
    call.close(wire.getStatus(), wire.getTrailers());
  }

  /**
   * Closes {@code call} with what the server's exception handler makes of {@code cause}: for code
   * that runs a call's handler itself, outside Armeria's own error handling.
   */
  public static void close(ServerCall<?, ?> call, RequestContext ctx, Throwable cause) {
    Metadata trailers = new Metadata();
    StatusRuntimeException wire =
        StatusProto.toStatusRuntimeException(
            NexusExceptionHandler.toStatusProto(ctx, cause, trailers), trailers);
    call.close(wire.getStatus(), wire.getTrailers());
  }
}
