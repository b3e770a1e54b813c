package io.nexusmesh.runtime.error;

import io.grpc.Status;
import io.nexusmesh.api.common.v1.ErrorReason;

/**
 * Maps each {@link ErrorReason} to its gRPC status code and to the short reason string carried in
 * {@code google.rpc.ErrorInfo} (the enum name without its {@code ERROR_REASON_} prefix).
 */
public final class ErrorReasons {
  /** The {@code ErrorInfo.domain} of every Nexus Mesh error. */
  public static final String DOMAIN = "nexusmesh.io";

  private static final String PREFIX = "ERROR_REASON_";

  private ErrorReasons() {}

  /** The gRPC status code of a reason. */
  public static Status.Code code(ErrorReason reason) {
    return switch (reason) {
      case ERROR_REASON_INVALID_ARGUMENT, ERROR_REASON_MALFORMED_REQUEST ->
          Status.Code.INVALID_ARGUMENT;
      case ERROR_REASON_NOT_FOUND -> Status.Code.NOT_FOUND;
      case ERROR_REASON_ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
      case ERROR_REASON_ETAG_MISMATCH -> Status.Code.ABORTED;
      case ERROR_REASON_FAILED_PRECONDITION,
          ERROR_REASON_SECRET_NOT_FOUND,
          ERROR_REASON_TOOL_FAILED ->
          Status.Code.FAILED_PRECONDITION;
      case ERROR_REASON_CREDENTIALS_MISSING,
          ERROR_REASON_CREDENTIALS_INVALID,
          ERROR_REASON_WRONG_AUDIENCE ->
          Status.Code.UNAUTHENTICATED;
      case ERROR_REASON_PERMISSION_DENIED, ERROR_REASON_EGRESS_DENIED ->
          Status.Code.PERMISSION_DENIED;
      case ERROR_REASON_RATE_LIMITED, ERROR_REASON_BULKHEAD_FULL -> Status.Code.RESOURCE_EXHAUSTED;
      case ERROR_REASON_UNAVAILABLE, ERROR_REASON_PANEL_UNAVAILABLE -> Status.Code.UNAVAILABLE;
      case ERROR_REASON_DEADLINE_EXCEEDED -> Status.Code.DEADLINE_EXCEEDED;
      case ERROR_REASON_CANCELLED -> Status.Code.CANCELLED;
      case ERROR_REASON_INTERNAL, ERROR_REASON_UNSPECIFIED, UNRECOGNIZED -> Status.Code.INTERNAL;
    };
  }

  /** The reason string of {@code ErrorInfo}, e.g. {@code NOT_FOUND}. */
  public static String wireName(ErrorReason reason) {
    String name = reason.name();
    return name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name;
  }
}
