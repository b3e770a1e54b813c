package io.nexusmesh.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.nexusmesh.api.common.v1.ErrorReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a client learns from a failed call: the status code, the message, the {@link ErrorReason}
 * and the details. The one helper every Nexus Mesh client uses to read errors.
 */
public record ErrorDetails(
    Status.Code code,
    String message,
    ErrorReason reason,
    List<Violation> violations,
    Optional<Duration> retryDelay,
    Map<String, String> metadata) {

  /** Reads the details of a failed gRPC call (a {@code StatusRuntimeException} or similar). */
  public static ErrorDetails from(Throwable t) {
    com.google.rpc.Status status = StatusProto.fromThrowable(t);
    if (status == null) {
      Status plain = Status.fromThrowable(t);
      String description = plain.getDescription();
      return new ErrorDetails(
          plain.getCode(),
          description == null ? "" : description,
          ErrorReason.ERROR_REASON_UNSPECIFIED,
          List.of(),
          Optional.empty(),
          Map.of());
    }
    ErrorReason reason = ErrorReason.ERROR_REASON_UNSPECIFIED;
    List<Violation> violations = new ArrayList<>();
    Optional<Duration> retryDelay = Optional.empty();
    Map<String, String> metadata = Map.of();
    for (Any detail : status.getDetailsList()) {
      try {
        if (detail.is(ErrorInfo.class)) {
          ErrorInfo info = detail.unpack(ErrorInfo.class);
          reason = reasonOf(info.getReason());
          metadata = Map.copyOf(info.getMetadataMap());
        } else if (detail.is(BadRequest.class)) {
          for (var v : detail.unpack(BadRequest.class).getFieldViolationsList()) {
            violations.add(new Violation(v.getField(), v.getDescription()));
          }
        } else if (detail.is(RetryInfo.class)) {
          var d = detail.unpack(RetryInfo.class).getRetryDelay();
          retryDelay = Optional.of(Duration.ofSeconds(d.getSeconds(), d.getNanos()));
        }
      } catch (InvalidProtocolBufferException e) {
        // A detail we cannot read is skipped; the code and message still stand.
      }
    }
    return new ErrorDetails(
        Status.fromCodeValue(status.getCode()).getCode(),
        status.getMessage(),
        reason,
        List.copyOf(violations),
        retryDelay,
        metadata);
  }

  /** The reason of an {@code ErrorInfo.reason} (the enum name without its prefix). */
  private static ErrorReason reasonOf(String wireName) {
    try {
      return ErrorReason.valueOf("ERROR_REASON_" + wireName);
    } catch (IllegalArgumentException e) {
      return ErrorReason.ERROR_REASON_UNSPECIFIED;
    }
  }

  /** One invalid field of the request, as the server named it (e.g. {@code input.name}). */
  public record Violation(String field, String description) {}
}
