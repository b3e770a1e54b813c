package io.nexusmesh.gateway.engine;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;

/**
 * Why one attempt of a node failed, as a gRPC status code (which the retry policy matches against
 * {@code retryable_codes}) and a message that becomes the execution's error. Never carries a stack
 * trace to callers.
 */
public final class NodeFailure extends RuntimeException {
  private final Status.Code code;

  public NodeFailure(Status.Code code, String message) {
    super(message, null, false, false);
    this.code = requireNonNull(code, "code");
  }

  /** The status code of the failure. */
  public Status.Code code() {
    return code;
  }

  /** The failure as a {@code google.rpc.Status}. */
  public com.google.rpc.Status toStatus() {
    return com.google.rpc.Status.newBuilder()
        .setCode(code.value())
        .setMessage(getMessage() == null ? code.name() : getMessage())
        .build();
  }
}
