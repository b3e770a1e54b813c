package io.nexusmesh.bench;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/** One initialized MCP session over streamable HTTP, driven with plain JSON-RPC POSTs. */
record McpSession(WebClient client, @Nullable String credential, String id, AtomicLong ids) {
  /** The MCP revision the benchmarks speak. */
  static final String PROTOCOL_VERSION = "2025-06-18";

  static McpSession open(WebClient client, @Nullable String credential) {
    AggregatedHttpResponse init =
        post(
            client,
            credential,
            null,
            """
            {"jsonrpc": "2.0", "id": 0, "method": "initialize",
             "params": {"protocolVersion": "%s", "capabilities": {},
                        "clientInfo": {"name": "nexus-bench", "version": "1"}}}"""
                .formatted(PROTOCOL_VERSION));
    String session = init.headers().get("mcp-session-id");
    if (init.status().code() != 200 || session == null) {
      throw new IllegalStateException(
          "initialize answered " + init.status() + ": " + init.contentUtf8());
    }
    post(
        client,
        credential,
        session,
        "{\"jsonrpc\": \"2.0\", \"method\": \"notifications/initialized\"}");
    return new McpSession(client, credential, session, new AtomicLong());
  }

  /**
   * Calls {@code tool} with {@code arguments} (JSON); fails unless the answer has {@code expect}.
   */
  void call(String tool, String arguments, String expect) {
    AggregatedHttpResponse answer =
        post(
            client,
            credential,
            id,
            """
            {"jsonrpc": "2.0", "id": %d, "method": "tools/call",
             "params": {"name": "%s", "arguments": %s}}"""
                .formatted(ids.incrementAndGet(), tool, arguments));
    String body = answer.contentUtf8();
    if (answer.status().code() != 200 || !body.contains(expect)) {
      throw new IllegalStateException("tools/call answered " + answer.status() + ": " + body);
    }
  }

  private static AggregatedHttpResponse post(
      WebClient client, @Nullable String credential, @Nullable String session, String body) {
    RequestHeadersBuilder headers =
        RequestHeaders.builder(HttpMethod.POST, "/mcp")
            .contentType(MediaType.JSON_UTF_8)
            .add("accept", "application/json, text/event-stream")
            .add("mcp-protocol-version", PROTOCOL_VERSION);
    if (credential != null) {
      headers.add("authorization", "Bearer " + credential);
    }
    if (session != null) {
      headers.add("mcp-session-id", session);
    }
    return client.blocking().execute(HttpRequest.of(headers.build(), HttpData.ofUtf8(body)));
  }
}
