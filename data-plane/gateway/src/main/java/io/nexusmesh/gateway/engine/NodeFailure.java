package io.nexusmesh.gateway.engine;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.runtime.error.ErrorReasons;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Why one attempt of a node failed, as a gRPC status code (which the retry policy matches against
 * {@code retryable_codes}), a message that becomes the execution's error and, where one applies, a
 * machine-readable {@link ErrorReason} with metadata (e.g. {@code EGRESS_DENIED} and the host).
 * Never carries a stack trace to callers.
 */
public final class NodeFailure extends RuntimeException {
  private final Status.Code code;
  private final @Nullable ErrorReason reason;
  private final Map<String, String> metadata;
  private final java.time.@Nullable Duration retryDelay;

  public NodeFailure(Status.Code code, String message) {
    this(code, null, Map.of(), message);
  }

  public NodeFailure(
      Status.Code code,
      @Nullable ErrorReason reason,
      Map<String, String> metadata,
      String message) {
    this(code, reason, metadata, message, null);
  }

  private NodeFailure(
      Status.Code code,
      @Nullable ErrorReason reason,
      Map<String, String> metadata,
      String message,
      java.time.@Nullable Duration retryDelay) {
    super(message, null, false, false);
    this.code = requireNonNull(code, "code");
    this.reason = reason;
    this.metadata = Map.copyOf(metadata);
    this.retryDelay = retryDelay;
  }

  /** This failure with a {@code RetryInfo}: trying again after {@code delay} may work. */
  public NodeFailure withRetryDelay(java.time.Duration delay) {
    return new NodeFailure(code, reason, metadata, getMessage(), requireNonNull(delay, "delay"));
  }

  /** The status code of the failure. */
  public Status.Code code() {
    return code;
  }

  /** This failure with its message (and metadata) passed through {@code redactor}. */
  NodeFailure redacted(Redactor redactor) {
    Map<String, String> clean = new java.util.HashMap<>();
    metadata.forEach((k, v) -> clean.put(k, redactor.redact(v)));
    String message = getMessage() == null ? code.name() : getMessage();
    return new NodeFailure(code, reason, clean, redactor.redact(message), retryDelay);
  }

  /** The failure as a {@code google.rpc.Status}. */
  public com.google.rpc.Status toStatus() {
    var status =
        com.google.rpc.Status.newBuilder()
            .setCode(code.value())
            .setMessage(getMessage() == null ? code.name() : getMessage());
    if (reason != null) {
      status.addDetails(
          Any.pack(
              ErrorInfo.newBuilder()
                  .setReason(ErrorReasons.wireName(reason))
                  .setDomain(ErrorReasons.DOMAIN)
                  .putAllMetadata(metadata)
                  .build()));
    }
    if (retryDelay != null) {
      status.addDetails(
          Any.pack(
              com.google.rpc.RetryInfo.newBuilder()
                  .setRetryDelay(
                      com.google.protobuf.Duration.newBuilder()
                          .setSeconds(retryDelay.getSeconds())
                          .setNanos(retryDelay.getNano()))
                  .build()));
    }
    return status.build();
  }
}
