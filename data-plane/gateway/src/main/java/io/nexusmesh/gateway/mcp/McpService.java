package io.nexusmesh.gateway.mcp;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Struct;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.sse.ServerSentEvent;
import com.linecorp.armeria.common.stream.StreamMessage;
import com.linecorp.armeria.common.stream.StreamWriter;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.streaming.ServerSentEvents;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.gateway.api.EventFollower;
import io.nexusmesh.gateway.api.WorkflowStarter;
import io.nexusmesh.gateway.deploy.DeploymentRegistry;
import io.nexusmesh.gateway.durable.Executions;
import io.nexusmesh.gateway.session.OpenSession;
import io.nexusmesh.gateway.session.SessionEvents;
import io.nexusmesh.gateway.session.Sessions;
import io.nexusmesh.gateway.usage.ChannelMetrics;
import io.nexusmesh.runtime.auth.Authenticator;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The gateway's MCP endpoint: MCP's streamable HTTP transport (protocol revisions 2025-11-25,
 * 2025-06-18 and 2025-03-26) at {@code POST /mcp}, answering each JSON-RPC request with one JSON
 * response, or, for a {@code tools/call} with a progress token, with an SSE stream of progress
 * notifications and then the result; {@code notifications/cancelled} cancels the run of the request
 * it names. An MCP session is a Nexus session (its id works on every channel; tool calls join its
 * history and reach its subscribers), kept in Redis, so any gateway replica serves any request of
 * it. Requests need {@code Authorization: Bearer} with an API key or a gateway-audience token, as
 * on every other channel; without one the answer is 401 with a {@code WWW-Authenticate} header that
 * points at the OAuth protected-resource metadata served at {@link #METADATA_PATH}. A request from
 * a browser origin other than the gateway's own (or one configured) gets 403, one naming a protocol
 * revision not served gets 400. From revision 2025-11-25 on, arguments that break a tool's input
 * schema are a tool error ({@code isError}) rather than -32602.
 *
 * <p>Written on Armeria rather than with the official MCP Java SDK: the SDK's streamable HTTP
 * server transport is a servlet that keeps sessions in a per-process map, so a session opened on
 * one replica would be unknown to the next (the very bug of other MCP gateways); sessions here live
 * in Redis. The gateway also serves everything (gRPC, REST, SSE, MCP) from one Armeria server,
 * without a servlet container. The SDK's client and server are used by the tests and the benchmark.
 */
public final class McpService {
  /** The MCP endpoint. */
  public static final String PATH = "/mcp";

  /** OAuth 2.0 protected resource metadata (RFC 9728) of the MCP endpoint. */
  public static final String METADATA_PATH = "/.well-known/oauth-protected-resource";

  /** The protocol revisions served, newest first (the one answered to a client asking another). */
  static final List<String> PROTOCOL_VERSIONS = List.of("2025-11-25", "2025-06-18", "2025-03-26");

  /** What a request without {@code MCP-Protocol-Version} speaks, as the transport says. */
  private static final String REVISION_WITHOUT_HEADER = "2025-03-26";

  /** From this revision on, arguments breaking a tool's schema are a tool error, not -32602. */
  private static final String INVALID_ARGUMENTS_AS_TOOL_ERRORS = "2025-11-25";

  private static final String PROTOCOL_VERSION_HEADER = "mcp-protocol-version";
  static final String SESSION_HEADER = "mcp-session-id";
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Authenticator authenticator;
  private final Sessions sessions;
  private final McpTools tools;
  private final Executions executions;
  private final EventFollower follower;
  private final SessionEvents sessionEvents;
  private final String issuer;
  private final String version;
  private final OriginCheck origins;
  private final EventLoopCalls eventLoopCalls;
  private final McpSessionStream sessionStream;
  private final ChannelMetrics metrics;

  /**
   * @param issuer the OIDC issuer of gateway-audience tokens, named in the resource metadata
   * @param allowedOrigins browser origins besides the gateway's own that may call it
   */
  public McpService(
      Authenticator authenticator,
      Sessions sessions,
      SessionEvents sessionEvents,
      DeploymentRegistry deployments,
      WorkflowStarter starter,
      Executions executions,
      Duration maxWait,
      String issuer,
      String version,
      List<String> allowedOrigins,
      ChannelMetrics metrics,
      io.opentelemetry.api.OpenTelemetry otel) {
    this.metrics = requireNonNull(metrics, "metrics");
    this.authenticator = requireNonNull(authenticator, "authenticator");
    this.sessions = requireNonNull(sessions, "sessions");
    this.sessionEvents = requireNonNull(sessionEvents, "sessionEvents");
    this.tools = new McpTools(deployments, starter, executions, maxWait, new McpCallSpans(otel));
    this.executions = requireNonNull(executions, "executions");
    this.follower = new EventFollower(executions);
    this.issuer = requireNonNull(issuer, "issuer");
    this.version = requireNonNull(version, "version");
    this.origins = new OriginCheck(allowedOrigins);
    this.eventLoopCalls = new EventLoopCalls(authenticator, starter);
    this.sessionStream = new McpSessionStream(sessions, sessionEvents);
  }

  /**
   * The service to bind at {@link #PATH}. A tool call that needs neither Redis nor a wait is served
   * on the event loop (see {@link EventLoopCalls}); all other work runs off it.
   */
  public HttpService service() {
    return eventLoopCalls.service(this::handle);
  }

  /** The service to bind at {@link #METADATA_PATH}. */
  public HttpService metadata() {
    return (ctx, req) -> {
      ObjectNode metadata = NODES.objectNode();
      metadata.put("resource", baseUrl(ctx) + PATH);
      metadata.putArray("authorization_servers").add(issuer);
      metadata.putArray("bearer_methods_supported").add("header");
      return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, metadata.toString());
    };
  }

  /**
   * Answers one request ({@code parsed}: its body as JSON, null if it is none), by {@code
   * authenticated} when its credential was already checked, else by the credential it carries.
   */
  private HttpResponse handle(
      ServiceRequestContext ctx,
      AggregatedHttpRequest request,
      @Nullable JsonNode parsed,
      @Nullable Principal authenticated) {
    String origin = request.headers().get(HttpHeaderNames.ORIGIN);
    if (!origins.allows(origin, request.headers().authority())) {
      return JsonRpc.error(
          null,
          new JsonRpc.Failure(
              JsonRpc.INVALID_REQUEST,
              "origin not allowed: " + origin + " (NEXUS_GATEWAY_MCP_ALLOWED_ORIGINS)",
              null,
              HttpStatus.FORBIDDEN));
    }
    HttpMethod method = request.method();
    if (method != HttpMethod.POST && method != HttpMethod.DELETE && method != HttpMethod.GET) {
      return HttpResponse.builder()
          .status(HttpStatus.METHOD_NOT_ALLOWED)
          .header(HttpHeaderNames.ALLOW, "GET, POST, DELETE")
          .build();
    }
    Principal caller = authenticated;
    if (caller == null) {
      try {
        caller =
            WorkflowStarter.runner(
                authenticator.authenticate(request.headers().get(HttpHeaderNames.AUTHORIZATION)));
      } catch (NexusException e) {
        return unauthorized(ctx, e);
      }
    }
    String session = request.headers().get(SESSION_HEADER);
    if (method == HttpMethod.GET) {
      return sessionStream.open(ctx, caller, session);
    }
    if (method == HttpMethod.DELETE) {
      return HttpResponse.of(
          session != null && closed(session, caller) ? HttpStatus.OK : HttpStatus.NOT_FOUND);
    }
    if (parsed == null) {
      return JsonRpc.error(
          null, JsonRpc.Failure.badRequest(JsonRpc.PARSE_ERROR, "parse error: not JSON"));
    }
    JsonNode message = parsed;
    JsonNode id = message.isObject() ? message.get("id") : null;
    try {
      return dispatch(
          caller,
          message,
          id,
          session,
          request.headers().get(HttpHeaderNames.ACCEPT),
          request.headers().get(PROTOCOL_VERSION_HEADER));
    } catch (JsonRpc.Failure failure) {
      return JsonRpc.error(id, failure);
    }
  }

  private HttpResponse dispatch(
      Principal caller,
      JsonNode message,
      @Nullable JsonNode id,
      @Nullable String session,
      @Nullable String accept,
      @Nullable String revisionHeader) {
    if (message.isArray()) {
      throw JsonRpc.Failure.badRequest(
          JsonRpc.INVALID_REQUEST, "batches are not supported (protocol 2025-06-18 and later)");
    }
    if (!message.isObject() || !"2.0".equals(message.path("jsonrpc").asText(null))) {
      throw JsonRpc.Failure.badRequest(JsonRpc.INVALID_REQUEST, "not a JSON-RPC 2.0 message");
    }
    if (!message.path("method").isTextual()) {
      if (message.has("result") || message.has("error")) {
        return HttpResponse.of(HttpStatus.ACCEPTED); // a client's answer: nothing asked it here
      }
      throw JsonRpc.Failure.badRequest(JsonRpc.INVALID_REQUEST, "method: missing");
    }
    if (id != null && !id.isTextual() && !id.isIntegralNumber()) {
      throw JsonRpc.Failure.badRequest(
          JsonRpc.INVALID_REQUEST, "id: must be a string or an integer");
    }
    String method = message.get("method").asText();
    JsonNode params = message.path("params");
    if (method.equals("initialize")) {
      return initialize(caller, id, params);
    }
    if (revisionHeader != null && !PROTOCOL_VERSIONS.contains(revisionHeader)) {
      throw JsonRpc.Failure.badRequest(
          JsonRpc.INVALID_REQUEST,
          "unsupported MCP-Protocol-Version "
              + revisionHeader
              + " (supported: "
              + String.join(", ", PROTOCOL_VERSIONS)
              + ")");
    }
    String revision = revisionHeader == null ? REVISION_WITHOUT_HEADER : revisionHeader;
    if (session == null) {
      throw JsonRpc.Failure.badRequest(
          JsonRpc.INVALID_REQUEST, "missing Mcp-Session-Id: send initialize first");
    }
    OpenSession open;
    try {
      open = sessions.requireOpen(caller, session);
    } catch (NexusException e) {
      throw new JsonRpc.Failure(
          JsonRpc.INVALID_REQUEST,
          "unknown or expired session: initialize again",
          null,
          HttpStatus.NOT_FOUND);
    }
    if (id == null) {
      if (method.equals("notifications/cancelled")) {
        cancel(caller, session, params);
      }
      return HttpResponse.of(HttpStatus.ACCEPTED); // other notifications: initialized, ...
    }
    ResponseHeaders headers = jsonHeaders(session);
    return switch (method) {
      case "ping", "logging/setLevel" -> JsonRpc.result(id, NODES.objectNode(), headers);
      case "tools/list" -> JsonRpc.result(id, tools.list(caller), headers);
      case "tools/call" -> call(caller, id, params, open, accept, revision);
      default -> throw new JsonRpc.Failure(JsonRpc.METHOD_NOT_FOUND, "method not found: " + method);
    };
  }

  /**
   * Runs a tool. With a {@code progressToken} and a client that accepts event streams, the answer
   * is an SSE stream: a {@code notifications/progress} per completed node, then the result. (On the
   * event loop, only runs that end as they start come here: see {@link EventLoopCalls}.)
   */
  private HttpResponse call(
      Principal caller,
      JsonNode id,
      JsonNode params,
      OpenSession open,
      @Nullable String accept,
      String revision) {
    String session = open.id();
    Executions.Started started;
    try {
      started = tools.start(caller, params, open);
      metrics.mcpExec(params.path("name").asText());
    } catch (McpTools.InvalidArguments e) {
      if (revision.compareTo(INVALID_ARGUMENTS_AS_TOOL_ERRORS) >= 0) {
        return JsonRpc.result(id, e.asToolError(), jsonHeaders(session));
      }
      throw e.asProtocolError();
    }
    if (!started.ended()) {
      // Only a run still going can be cancelled: a notifications/cancelled will look it up.
      sessions.rememberRequest(open, id.toString(), started.execution().getId());
    }
    JsonNode progressToken = params.path("_meta").get("progressToken");
    if (progressToken == null || accept == null || !accept.contains("text/event-stream")) {
      return JsonRpc.result(id, tools.result(caller, started, session), jsonHeaders(session));
    }
    StreamWriter<ServerSentEvent> stream = StreamMessage.streaming();
    AtomicInteger completedNodes = new AtomicInteger();
    follower.follow(
        caller.org(),
        started.execution().getId(),
        0,
        event -> {
          if (event.hasNodeCompleted()) {
            ObjectNode progress = NODES.objectNode();
            progress.set("progressToken", progressToken);
            progress.put("progress", completedNodes.incrementAndGet());
            progress.put("message", "node " + event.getNodeCompleted().getNodeId() + " completed");
            stream.tryWrite(
                ServerSentEvent.ofData(JsonRpc.notification("notifications/progress", progress)));
          }
        },
        () -> {
          stream.tryWrite(
              ServerSentEvent.ofData(
                  JsonRpc.resultJson(id, tools.result(caller, started, session))));
          stream.close();
        },
        () -> !stream.isOpen());
    return ServerSentEvents.fromPublisher(
        ResponseHeaders.builder(HttpStatus.OK)
            .contentType(MediaType.EVENT_STREAM)
            .add(SESSION_HEADER, session)
            .build(),
        stream);
  }

  /** {@code notifications/cancelled}: cancels the run the named request started, wherever. */
  private void cancel(Principal caller, String session, JsonNode params) {
    JsonNode requestId = params.get("requestId");
    if (requestId == null) {
      return;
    }
    sessions
        .executionOfRequest(session, requestId.toString())
        .ifPresent(
            execution ->
                executions.cancel(
                    caller.org(),
                    execution,
                    params.path("reason").asText("cancelled by the MCP client")));
  }

  private HttpResponse initialize(Principal caller, @Nullable JsonNode id, JsonNode params) {
    if (id == null) {
      throw JsonRpc.Failure.badRequest(
          JsonRpc.INVALID_REQUEST, "initialize is a request: it needs an id");
    }
    String asked = params.path("protocolVersion").asText("");
    String agreed = PROTOCOL_VERSIONS.contains(asked) ? asked : PROTOCOL_VERSIONS.get(0);
    String session =
        sessions.create(caller, Struct.getDefaultInstance(), Sessions.DEFAULT_TTL).getId();
    ObjectNode result = NODES.objectNode();
    result.put("protocolVersion", agreed);
    ObjectNode capabilities = result.putObject("capabilities");
    capabilities.putObject("tools").put("listChanged", false);
    // The session's events reach the client as log messages on its GET stream.
    capabilities.putObject("logging");
    result.putObject("serverInfo").put("name", "nexus-gateway").put("version", version);
    result.put(
        "instructions",
        "Each tool runs a Nexus Mesh workflow deployed for your organisation; its input schema"
            + " is the workflow's.");
    return JsonRpc.result(id, result, jsonHeaders(session));
  }

  private boolean closed(String session, Principal caller) {
    if (!sessions.isOpen(caller, session)) {
      return false;
    }
    sessions.close(caller, session);
    return true;
  }

  private static ResponseHeaders jsonHeaders(String session) {
    return ResponseHeaders.builder(HttpStatus.OK)
        .contentType(MediaType.JSON_UTF_8)
        .add(SESSION_HEADER, session)
        .build();
  }

  private HttpResponse unauthorized(ServiceRequestContext ctx, NexusException e) {
    boolean forbidden = e.reason() == ErrorReason.ERROR_REASON_PERMISSION_DENIED;
    ObjectNode body = NODES.objectNode();
    body.put("error", forbidden ? "insufficient_scope" : "invalid_token");
    body.put("error_description", e.getMessage());
    return HttpResponse.builder()
        .status(forbidden ? HttpStatus.FORBIDDEN : HttpStatus.UNAUTHORIZED)
        .header(
            HttpHeaderNames.WWW_AUTHENTICATE,
            "Bearer resource_metadata=\"" + baseUrl(ctx) + METADATA_PATH + "\"")
        .content(MediaType.JSON_UTF_8, body.toString())
        .build();
  }

  private static String baseUrl(ServiceRequestContext ctx) {
    String host = ctx.request().authority();
    return (ctx.sessionProtocol().isTls() ? "https" : "http")
        + "://"
        + (host == null ? "127.0.0.1" : host);
  }
}
