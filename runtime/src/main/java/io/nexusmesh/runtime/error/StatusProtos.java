package io.nexusmesh.runtime.error;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.ResourceInfo;
import com.google.rpc.RetryInfo;
import com.google.rpc.Status;
import io.nexusmesh.api.common.v1.ErrorReason;
import java.time.Duration;

/**
 * Builds the {@code google.rpc.Status} of a {@link NexusException}: the code of its reason, its
 * message, and the {@code ErrorInfo}, {@code BadRequest}, {@code ResourceInfo} and {@code
 * RetryInfo} details that apply.
 */
public final class StatusProtos {
  private StatusProtos() {}

  /** The wire form of an error. */
  public static Status toStatus(NexusException e) {
    var status =
        Status.newBuilder()
            .setCode(e.code().value())
            .setMessage(e.getMessage())
            .addDetails(
                Any.pack(
                    ErrorInfo.newBuilder()
                        .setReason(ErrorReasons.wireName(e.reason()))
                        .setDomain(ErrorReasons.DOMAIN)
                        .putAllMetadata(e.metadata())
                        .build()));
    if (!e.violations().isEmpty()) {
      var badRequest = BadRequest.newBuilder();
      for (FieldViolation v : e.violations()) {
        badRequest.addFieldViolationsBuilder().setField(v.field()).setDescription(v.description());
      }
      status.addDetails(Any.pack(badRequest.build()));
    }
    if (e.resource() != null) {
      status.addDetails(
          Any.pack(
              ResourceInfo.newBuilder()
                  .setResourceType(e.resource().type())
                  .setResourceName(e.resource().name())
                  .setDescription(e.getMessage())
                  .build()));
    }
    if (e.retryDelay() != null) {
      status.addDetails(
          Any.pack(RetryInfo.newBuilder().setRetryDelay(toProto(e.retryDelay())).build()));
    }
    return status.build();
  }

  /** A status for a gRPC code that did not come from a {@link NexusException}. */
  public static Status forCode(io.grpc.Status.Code code, String message) {
    ErrorReason reason =
        switch (code) {
          case INVALID_ARGUMENT, OUT_OF_RANGE -> ErrorReason.ERROR_REASON_INVALID_ARGUMENT;
          case NOT_FOUND -> ErrorReason.ERROR_REASON_NOT_FOUND;
          case ALREADY_EXISTS -> ErrorReason.ERROR_REASON_ALREADY_EXISTS;
          case ABORTED -> ErrorReason.ERROR_REASON_ETAG_MISMATCH;
          case FAILED_PRECONDITION -> ErrorReason.ERROR_REASON_FAILED_PRECONDITION;
          case UNAUTHENTICATED -> ErrorReason.ERROR_REASON_CREDENTIALS_INVALID;
          case PERMISSION_DENIED -> ErrorReason.ERROR_REASON_PERMISSION_DENIED;
          case RESOURCE_EXHAUSTED -> ErrorReason.ERROR_REASON_RATE_LIMITED;
          case UNAVAILABLE -> ErrorReason.ERROR_REASON_UNAVAILABLE;
          case DEADLINE_EXCEEDED -> ErrorReason.ERROR_REASON_DEADLINE_EXCEEDED;
          case CANCELLED -> ErrorReason.ERROR_REASON_CANCELLED;
          default -> ErrorReason.ERROR_REASON_INTERNAL;
        };
    return Status.newBuilder()
        .setCode(code.value())
        .setMessage(message)
        .addDetails(
            Any.pack(
                ErrorInfo.newBuilder()
                    .setReason(ErrorReasons.wireName(reason))
                    .setDomain(ErrorReasons.DOMAIN)
                    .build()))
        .build();
  }

  private static com.google.protobuf.Duration toProto(Duration d) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(d.getSeconds())
        .setNanos(d.getNano())
        .build();
  }
}
