package io.nexusmesh.gateway.panel;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.sidecar.v1.InvokeToolRequest;
import io.nexusmesh.gateway.engine.NodeFailure;
import io.nexusmesh.gateway.engine.OrgAccess;
import io.nexusmesh.runtime.error.ErrorReasons;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Calls an organisation's panel tools through their sidecars' {@code SidecarService.InvokeTool},
 * with the instance's invoke key, the step's deadline and its idempotency key. A panel the
 * organisation has no running instance of is NOT_FOUND (another organisation's panels are never
 * known here); a sidecar that does not answer is UNAVAILABLE {@code PANEL_UNAVAILABLE}; the
 * sidecar's own errors (the tool's failure, bad arguments, a slow tool) keep their code, reason and
 * message.
 */
public final class PanelTools implements AutoCloseable {
  private static final Duration RETRY_DOWN_PANEL = Duration.ofSeconds(1);

  private final OrgAccess access;
  private final SidecarStubs sidecars;
  // The calls in flight per execution (the first part of their idempotency key), to cancel them.
  private final Map<String, java.util.Set<java.util.concurrent.Future<?>>> inFlight =
      new ConcurrentHashMap<>();

  public PanelTools(OrgAccess access, SidecarStubs sidecars) {
    this.access = requireNonNull(access, "access");
    this.sidecars = requireNonNull(sidecars, "sidecars");
  }

  /**
   * Calls {@code tool} of the org's {@code panel}; blocks (run it on a virtual thread).
   *
   * @throws NodeFailure why the call failed
   */
  public Value call(
      String org,
      String panel,
      String tool,
      Struct arguments,
      String requestId,
      String sessionId,
      Duration timeout) {
    ReachablePanel reachable =
        access
            .panel(org, panel)
            .orElseThrow(
                () ->
                    new NodeFailure(
                        Status.Code.NOT_FOUND,
                        ErrorReason.ERROR_REASON_NOT_FOUND,
                        Map.of("panel", panel),
                        "the organisation has no running panel " + panel));
    if (reachable.tool(tool).isEmpty()) {
      throw new NodeFailure(
          Status.Code.NOT_FOUND,
          ErrorReason.ERROR_REASON_NOT_FOUND,
          Map.of("panel", panel, "tool", tool),
          "panel " + panel + " has no tool " + tool);
    }
    String execution =
        requestId.contains("/") ? requestId.substring(0, requestId.indexOf('/')) : requestId;
    com.google.common.util.concurrent.ListenableFuture<
            io.nexusmesh.api.sidecar.v1.InvokeToolResponse>
        call =
            sidecars
                .stub(reachable)
                .withDeadlineAfter(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS)
                .invokeTool(
                    InvokeToolRequest.newBuilder()
                        .setTool(tool)
                        .setArguments(arguments)
                        .setRequestId(requestId)
                        .setSessionId(sessionId)
                        .build());
    inFlight.computeIfAbsent(execution, k -> ConcurrentHashMap.newKeySet()).add(call);
    try {
      return call.get().getResult();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException status) {
        throw failure(panel, tool, status);
      }
      throw failure(panel, tool, Status.fromThrowable(e.getCause()).asRuntimeException());
    } catch (java.util.concurrent.CancellationException e) {
      throw new NodeFailure(
          Status.Code.CANCELLED,
          ErrorReason.ERROR_REASON_CANCELLED,
          Map.of("panel", panel, "tool", tool),
          "the call of tool " + tool + " of panel " + panel + " was cancelled");
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw new NodeFailure(Status.Code.CANCELLED, "interrupted while calling panel " + panel);
    } finally {
      var calls = inFlight.get(execution);
      if (calls != null) {
        calls.remove(call);
        if (calls.isEmpty()) {
          inFlight.remove(execution, calls);
        }
      }
    }
  }

  /** Cancels the panel tool calls {@code execution} has in flight on this gateway. */
  public void cancelCalls(String execution) {
    var calls = inFlight.remove(execution);
    if (calls != null) {
      calls.forEach(c -> c.cancel(true));
    }
  }

  private static NodeFailure failure(String panel, String tool, StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    ErrorReason reason = null;
    Map<String, String> metadata = new HashMap<>();
    if (status != null) {
      for (var detail : status.getDetailsList()) {
        if (detail.is(ErrorInfo.class)) {
          try {
            ErrorInfo info = detail.unpack(ErrorInfo.class);
            reason = reasonOf(info.getReason());
            metadata.putAll(info.getMetadataMap());
          } catch (com.google.protobuf.InvalidProtocolBufferException ignored) {
            // no reason then
          }
        }
      }
    }
    Status.Code code = e.getStatus().getCode();
    if (reason == null && (code == Status.Code.UNAVAILABLE || code == Status.Code.UNKNOWN)) {
      return new NodeFailure(
              Status.Code.UNAVAILABLE,
              ErrorReason.ERROR_REASON_PANEL_UNAVAILABLE,
              Map.of("panel", panel),
              "panel " + panel + " is not answering (its sidecar is unreachable)")
          .withRetryDelay(RETRY_DOWN_PANEL);
    }
    if (reason == null && code == Status.Code.DEADLINE_EXCEEDED) {
      return new NodeFailure(
          code,
          ErrorReason.ERROR_REASON_DEADLINE_EXCEEDED,
          Map.of("panel", panel, "tool", tool),
          "tool " + tool + " of panel " + panel + " did not answer in time");
    }
    if (code == Status.Code.UNAUTHENTICATED) {
      // The sidecar did not take this instance's key: it restarted and the new one is on its way.
      return new NodeFailure(
              Status.Code.UNAVAILABLE,
              ErrorReason.ERROR_REASON_PANEL_UNAVAILABLE,
              Map.of("panel", panel),
              "panel " + panel + " restarted; its new instance is not known here yet")
          .withRetryDelay(RETRY_DOWN_PANEL);
    }
    String message = e.getStatus().getDescription();
    NodeFailure failure =
        new NodeFailure(
            code, reason, metadata, message == null ? "panel " + panel + ": " + code : message);
    return reason == ErrorReason.ERROR_REASON_PANEL_UNAVAILABLE
        ? failure.withRetryDelay(RETRY_DOWN_PANEL)
        : failure;
  }

  private static ErrorReason reasonOf(String wireName) {
    for (ErrorReason reason : ErrorReason.values()) {
      if (reason != ErrorReason.UNRECOGNIZED && ErrorReasons.wireName(reason).equals(wireName)) {
        return reason;
      }
    }
    return null;
  }

  @Override
  public void close() {
    sidecars.close();
  }
}
