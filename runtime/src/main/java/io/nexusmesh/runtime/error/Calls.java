package io.nexusmesh.runtime.error;

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
}
