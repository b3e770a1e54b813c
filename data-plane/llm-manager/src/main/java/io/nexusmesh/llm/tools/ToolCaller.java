package io.nexusmesh.llm.tools;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Clients;
import com.linecorp.armeria.client.DecoratingHttpClientFunction;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.util.SafeCloseable;
import io.grpc.StatusRuntimeException;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecuteResponse;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc.ExecutionServiceBlockingStub;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.api.semantic.v1.SemanticEvent;
import io.nexusmesh.api.semantic.v1.ToolCall;
import io.nexusmesh.api.semantic.v1.ToolInvocation;
import io.nexusmesh.api.semantic.v1.ToolReply;
import io.nexusmesh.api.semantic.v1.ToolResult;
import io.nexusmesh.llm.work.CommandHandler;
import io.nexusmesh.llm.work.Replies;
import io.nexusmesh.runtime.telemetry.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Carries out a turn's tool calls through the mesh: {@code ExecutionService.Execute} on the gateway
 * the turn came from, with the turn's own credential (the session owner's rights, nothing more), in
 * the turn's tool session (the chat's session; none for a workflow step), with the model's call id
 * as the idempotency key, so a call redone after a restart joins the first execution instead of
 * running twice. A tool that fails, is refused or does not answer within {@code timeout} is a
 * result with an error: the model reads it and goes on.
 */
public final class ToolCaller implements CommandHandler, AutoCloseable {
  /** The {@code source} of its replies. */
  public static final String SOURCE = "llm-manager/tool-caller";

  private final Duration timeout;
  private final ClientFactory factory =
      ClientFactory.builder().connectTimeout(Duration.ofSeconds(3)).build();
  private final Map<String, ExecutionServiceBlockingStub> stubs = new ConcurrentHashMap<>();
  // Each call runs in the trace of its command (see CommandWorker).
  private final ExecutorService threads =
      Context.taskWrapping(Executors.newVirtualThreadPerTaskExecutor());
  private final DecoratingHttpClientFunction tracing;

  /** A caller whose calls to gateways are traced by {@code otel}. */
  public ToolCaller(Duration timeout, OpenTelemetry otel) {
    this.timeout = timeout;
    this.tracing = Tracing.clientDecorator(otel);
  }

  @Override
  public boolean accepts(SemanticEvent command) {
    return command.hasToolInvocation();
  }

  @Override
  public CompletableFuture<SemanticEvent> handle(SemanticEvent command) {
    return CompletableFuture.supplyAsync(
        () ->
            Replies.to(command, SOURCE)
                .setToolReply(ToolReply.newBuilder().setResult(invoke(command)))
                .build(),
        threads);
  }

  private ToolResult invoke(SemanticEvent command) {
    ToolInvocation invocation = command.getToolInvocation();
    ToolCall call = invocation.getCall();
    ToolResult.Builder result =
        ToolResult.newBuilder().setCallId(call.getCallId()).setToolName(call.getToolName());
    if (invocation.getGatewayUrl().isEmpty()) {
      return result.setError("no gateway to call the tool on").build();
    }
    ExecutionServiceBlockingStub stub =
        stubs.computeIfAbsent(
            invocation.getGatewayUrl(),
            url ->
                GrpcClients.builder(url)
                    .factory(factory)
                    .maxResponseLength(16 * 1024 * 1024)
                    .decorator(tracing)
                    .build(ExecutionServiceBlockingStub.class));
    // The gateway answers RUNNING when the tool outlasts its own wait (25 s by default): asking
    // again with the same idempotency key joins the same execution, until this call's deadline.
    long deadline = System.nanoTime() + timeout.toNanos();
    try (SafeCloseable ignored =
        Clients.withHeader(HttpHeaderNames.AUTHORIZATION, "Bearer " + invocation.getCredential())) {
      ExecuteRequest request =
          ExecuteRequest.newBuilder()
              .setWorkflow(call.getToolName())
              .setInput(call.getArguments())
              .setRequestId(idempotencyKey(command, call))
              .setSessionId(invocation.getSessionId())
              .build();
      ExecuteResponse response;
      do {
        long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        response = stub.withDeadlineAfter(left, TimeUnit.MILLISECONDS).execute(request);
      } while (response.getStatus() == ExecutionStatus.EXECUTION_STATUS_RUNNING
          && deadline - System.nanoTime() > TimeUnit.SECONDS.toNanos(1));
      result.setExecutionId(response.getExecutionId());
      if (response.getStatus() == ExecutionStatus.EXECUTION_STATUS_SUCCEEDED) {
        return result.setResult(response.getOutput()).build();
      }
      return result
          .setError(
              response.getStatus() == ExecutionStatus.EXECUTION_STATUS_RUNNING
                  ? "the tool did not finish within " + timeout.toSeconds() + " s"
                  : "the tool ended "
                      + response.getStatus().name().replace("EXECUTION_STATUS_", ""))
          .build();
    } catch (StatusRuntimeException e) {
      String description = e.getStatus().getDescription();
      return result
          .setError(e.getStatus().getCode() + (description == null ? "" : ": " + description))
          .build();
    }
  }

  /** {@code llm:} and a digest of the turn and the model's call id (unique in its turn). */
  private static String idempotencyKey(SemanticEvent command, ToolCall call) {
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(
                  (command.getSessionId() + "\n" + command.getTurnId() + "\n" + call.getCallId())
                      .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return "llm:" + java.util.HexFormat.of().formatHex(digest, 0, 24);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    threads.shutdownNow();
    factory.close();
  }
}
