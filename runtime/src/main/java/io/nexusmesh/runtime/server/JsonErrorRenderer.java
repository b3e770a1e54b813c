package io.nexusmesh.runtime.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Status;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.runtime.error.StatusProtos;
import org.jspecify.annotations.Nullable;

/**
 * Renders the errors Armeria answers by itself, before any gRPC handler runs (a body that is not
 * valid JSON, an unknown route, an oversize request, a timeout), in the same JSON shape as the
 * errors of the gRPC handlers: {@code {"code", "grpc-code", "message", "details": [ErrorInfo]}}.
 * The message is fixed per status, so no stack detail reaches the caller; a body that is not JSON
 * says where its syntax breaks (the JSON parser's own words and position, nothing of ours).
 */
final class JsonErrorRenderer implements ServerErrorHandler {

  @Override
  public @Nullable HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
    return null;
  }

  @Override
  public @Nullable AggregatedHttpResponse renderStatus(
      @Nullable ServiceRequestContext ctx,
      ServiceConfig config,
      @Nullable RequestHeaders headers,
      HttpStatus status,
      @Nullable String description,
      @Nullable Throwable cause) {
    if (status.code() < 400) {
      return null;
    }
    // A 400 here means the body or a parameter did not parse: a malformed request.
    com.google.rpc.Status rpcStatus =
        status.code() == 400
            ? StatusProtos.toStatus(NexusException.malformedRequest(malformed(cause)))
            : StatusProtos.forCode(codeOf(status), messageOf(status));
    return HttpErrors.json(status, rpcStatus);
  }

  /** What was malformed, when the cause says so in words safe for the caller (JSON syntax). */
  private static String malformed(@Nullable Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof JsonProcessingException json) {
        return "malformed request body: " + JsonProblems.notJson(json);
      }
      if (t == t.getCause()) {
        break;
      }
    }
    return messageOf(HttpStatus.BAD_REQUEST);
  }

  private static Status.Code codeOf(HttpStatus status) {
    return switch (status.code()) {
      case 400 -> Status.Code.INVALID_ARGUMENT;
      case 401 -> Status.Code.UNAUTHENTICATED;
      case 403 -> Status.Code.PERMISSION_DENIED;
      case 404 -> Status.Code.NOT_FOUND;
      case 405, 501 -> Status.Code.UNIMPLEMENTED;
      case 408, 504 -> Status.Code.DEADLINE_EXCEEDED;
      case 413, 429 -> Status.Code.RESOURCE_EXHAUSTED;
      case 503 -> Status.Code.UNAVAILABLE;
      default -> status.code() < 500 ? Status.Code.FAILED_PRECONDITION : Status.Code.INTERNAL;
    };
  }

  private static String messageOf(HttpStatus status) {
    return switch (status.code()) {
      case 400 -> "malformed request: the body or a parameter could not be parsed";
      case 404 -> "no such route";
      case 405 -> "method not allowed on this route";
      case 413 -> "request too large";
      case 408, 504 -> "request timed out";
      case 503 -> "service unavailable";
      default -> status.reasonPhrase();
    };
  }
}
