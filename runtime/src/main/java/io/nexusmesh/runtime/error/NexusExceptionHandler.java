package io.nexusmesh.runtime.error;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Status;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.grpc.GoogleGrpcExceptionHandlerFunction;
import com.linecorp.armeria.common.grpc.GrpcExceptionHandlerFunction;
import io.grpc.Metadata;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where a thrown exception becomes what a caller sees. A {@link NexusException}
 * becomes its {@code google.rpc.Status} with details; a gRPC status exception keeps its status; a
 * failure Armeria recognises (a timeout, an oversize or unparsable message) keeps Armeria's code;
 * anything else is an {@code INTERNAL} error whose message is only a reference id, with the stack
 * trace logged here and never sent.
 *
 * <p>Armeria writes the same status as gRPC trailers, gRPC-Web trailers, or (for REST and unframed
 * calls) a JSON body with the matching HTTP status.
 */
public final class NexusExceptionHandler implements GoogleGrpcExceptionHandlerFunction {
  private static final Logger log = LoggerFactory.getLogger(NexusExceptionHandler.class);
  private static final GrpcExceptionHandlerFunction ARMERIA_DEFAULTS =
      GrpcExceptionHandlerFunction.of();

  /**
   * A request message that does not parse reaches here as the INTERNAL status Armeria's
   * unmarshaller gives it (and would skip {@link #applyStatusProto}); it is the caller's mistake,
   * so it becomes INVALID_ARGUMENT saying what protobuf's parser said.
   */
  @Override
  public io.grpc.@Nullable Status apply(
      RequestContext ctx, io.grpc.Status status, Throwable cause, Metadata metadata) {
    Throwable unparsable = cause;
    while (unparsable != null && !(unparsable instanceof InvalidProtocolBufferException)) {
      unparsable = unparsable.getCause() == unparsable ? null : unparsable.getCause();
    }
    Throwable handled = cause;
    if (unparsable != null && !(cause instanceof NexusException)) {
      handled =
          NexusException.malformedRequest(
              "the request message could not be parsed: "
                  + (unparsable.getMessage() == null
                      ? "invalid protobuf"
                      : unparsable.getMessage()));
    }
    return GoogleGrpcExceptionHandlerFunction.super.apply(ctx, status, handled, metadata);
  }

  @Override
  public Status applyStatusProto(RequestContext ctx, Throwable cause, Metadata metadata) {
    return toStatusProto(ctx, cause, metadata);
  }

  /** The status of {@code cause}, for code that closes calls itself (e.g. interceptors). */
  public static Status toStatusProto(RequestContext ctx, Throwable cause, Metadata metadata) {
    Throwable t = unwrap(cause);
    if (t instanceof NexusException e) {
      if (e.getCause() != null) {
        log.debug("{} failed with {}", ctx, e.reason(), e.getCause());
      }
      return StatusProtos.toStatus(e);
    }
    if (t instanceof StatusRuntimeException || t instanceof StatusException) {
      Status withDetails = StatusProto.fromThrowable(t);
      if (withDetails != null && withDetails.getDetailsCount() > 0) {
        return withDetails;
      }
      io.grpc.Status status = io.grpc.Status.fromThrowable(t);
      return sanitized(ctx, status, t);
    }
    io.grpc.Status mapped =
        ARMERIA_DEFAULTS.apply(ctx, io.grpc.Status.UNKNOWN.withCause(t), t, metadata);
    return sanitized(ctx, mapped == null ? io.grpc.Status.INTERNAL : mapped, t);
  }

  private static Status sanitized(RequestContext ctx, io.grpc.Status status, Throwable t) {
    io.grpc.Status.Code code = status.getCode();
    if (code == io.grpc.Status.Code.INTERNAL || code == io.grpc.Status.Code.UNKNOWN) {
      String reference = UUID.randomUUID().toString();
      log.error("Internal error {} in {}", reference, ctx, t);
      return StatusProtos.forCode(
          io.grpc.Status.Code.INTERNAL, "internal error (reference " + reference + ")");
    }
    String description = status.getDescription();
    return StatusProtos.forCode(code, description == null ? code.name() : description);
  }

  private static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while ((current instanceof java.util.concurrent.CompletionException
            || current instanceof java.util.concurrent.ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
