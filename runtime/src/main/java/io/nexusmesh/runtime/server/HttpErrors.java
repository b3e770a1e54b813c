package io.nexusmesh.runtime.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.ResourceInfo;
import com.google.rpc.RetryInfo;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import io.grpc.Status;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.runtime.error.StatusProtos;

/**
 * Renders errors of plain HTTP endpoints (SSE streams, Armeria's own failures) in the JSON shape
 * Armeria gives transcoded gRPC errors: {@code {"code", "grpc-code", "message", "details"}}, so a
 * REST client reads every Nexus Mesh error the same way.
 */
public final class HttpErrors {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFormat.Printer DETAILS =
      JsonFormat.printer()
          .usingTypeRegistry(
              JsonFormat.TypeRegistry.newBuilder()
                  .add(ErrorInfo.getDescriptor())
                  .add(BadRequest.getDescriptor())
                  .add(ResourceInfo.getDescriptor())
                  .add(RetryInfo.getDescriptor())
                  .build())
          .omittingInsignificantWhitespace();

  private HttpErrors() {}

  /** The HTTP response of a {@link NexusException}, with the HTTP status of its gRPC code. */
  public static AggregatedHttpResponse json(NexusException error) {
    return json(httpStatus(error.code()), StatusProtos.toStatus(error));
  }

  /** The HTTP response carrying {@code status} with the given HTTP status. */
  static AggregatedHttpResponse json(HttpStatus httpStatus, com.google.rpc.Status status) {
    ObjectNode body = JSON.createObjectNode();
    body.put("code", status.getCode());
    body.put("grpc-code", Status.fromCodeValue(status.getCode()).getCode().name());
    body.put("message", status.getMessage());
    var details = body.putArray("details");
    try {
      for (var detail : status.getDetailsList()) {
        details.add(JSON.readTree(DETAILS.print(detail)));
      }
      return AggregatedHttpResponse.of(
          httpStatus, MediaType.JSON_UTF_8, JSON.writeValueAsString(body));
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      throw new IllegalStateException("error details could not be rendered", e);
    }
  }

  /** The HTTP status of a gRPC code, as in the gRPC-HTTP/JSON transcoding mapping. */
  public static HttpStatus httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> HttpStatus.OK;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> HttpStatus.BAD_REQUEST;
      case UNAUTHENTICATED -> HttpStatus.UNAUTHORIZED;
      case PERMISSION_DENIED -> HttpStatus.FORBIDDEN;
      case NOT_FOUND -> HttpStatus.NOT_FOUND;
      case ALREADY_EXISTS, ABORTED -> HttpStatus.CONFLICT;
      case RESOURCE_EXHAUSTED -> HttpStatus.TOO_MANY_REQUESTS;
      case CANCELLED -> HttpStatus.valueOf(499);
      case UNIMPLEMENTED -> HttpStatus.NOT_IMPLEMENTED;
      case UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
      case DEADLINE_EXCEEDED -> HttpStatus.GATEWAY_TIMEOUT;
      default -> HttpStatus.INTERNAL_SERVER_ERROR;
    };
  }
}
