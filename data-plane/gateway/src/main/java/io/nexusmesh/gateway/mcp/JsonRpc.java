package io.nexusmesh.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import org.jspecify.annotations.Nullable;

/** JSON-RPC 2.0 messages as MCP's streamable HTTP transport carries them. */
final class JsonRpc {
  static final ObjectMapper JSON = new ObjectMapper();

  static final int PARSE_ERROR = -32700;
  static final int INVALID_REQUEST = -32600;
  static final int METHOD_NOT_FOUND = -32601;
  static final int INVALID_PARAMS = -32602;
  static final int INTERNAL_ERROR = -32603;

  /** Implementation-defined server error: the caller is over its rate limit. */
  static final int RATE_LIMITED = -32000;

  private JsonRpc() {}

  /** A JSON-RPC failure: its code, message and optional data. */
  static final class Failure extends RuntimeException {
    final int code;
    final @Nullable JsonNode data;
    final HttpStatus status;

    Failure(int code, String message) {
      this(code, message, null, HttpStatus.OK);
    }

    /** A message the transport refuses as a whole: HTTP 400 with JSON-RPC {@code code}. */
    static Failure badRequest(int code, String message) {
      return new Failure(code, message, null, HttpStatus.BAD_REQUEST);
    }

    Failure(int code, String message, @Nullable JsonNode data, HttpStatus status) {
      super(message, null, false, false);
      this.code = code;
      this.data = data;
      this.status = status;
    }
  }

  static HttpResponse result(@Nullable JsonNode id, JsonNode result, ResponseHeaders headers) {
    return HttpResponse.of(
        headers, com.linecorp.armeria.common.HttpData.ofUtf8(resultJson(id, result)));
  }

  /** A response carrying {@code result}, as JSON text. */
  static String resultJson(@Nullable JsonNode id, JsonNode result) {
    ObjectNode body = envelope(id);
    body.set("result", result);
    return body.toString();
  }

  /** A notification (no id), as JSON text. */
  static String notification(String method, JsonNode params) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("jsonrpc", "2.0");
    body.put("method", method);
    body.set("params", params);
    return body.toString();
  }

  static HttpResponse error(@Nullable JsonNode id, Failure failure) {
    ObjectNode body = envelope(id);
    ObjectNode error = body.putObject("error");
    error.put("code", failure.code);
    error.put("message", failure.getMessage());
    if (failure.data != null) {
      error.set("data", failure.data);
    }
    return HttpResponse.of(failure.status, MediaType.JSON_UTF_8, body.toString());
  }

  private static ObjectNode envelope(@Nullable JsonNode id) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("jsonrpc", "2.0");
    body.set("id", id == null ? JsonNodeFactory.instance.nullNode() : id);
    return body;
  }
}
