package io.nexusmesh.sidecar.invoke;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusmesh.api.sidecar.v1.GetManifestRequest;
import io.nexusmesh.api.sidecar.v1.GetManifestResponse;
import io.nexusmesh.api.sidecar.v1.InvokeToolRequest;
import io.nexusmesh.api.sidecar.v1.InvokeToolResponse;
import io.nexusmesh.api.sidecar.v1.Manifest;
import io.nexusmesh.api.sidecar.v1.SidecarServiceGrpc;
import io.nexusmesh.runtime.server.NonBlocking;
import io.nexusmesh.runtime.telemetry.TraceParents;
import io.nexusmesh.sidecar.manifest.ManifestLimits;
import io.nexusmesh.sidecar.manifest.ManifestWatcher;
import io.nexusmesh.sidecar.manifest.PanelManifest;
import java.time.Duration;
import java.util.concurrent.CompletionException;

/**
 * {@code nexus.sidecar.v1.SidecarService}, served to holders of the instance's invoke key only (see
 * {@link InvokeKeyAuthenticator}). Calls never block an event loop: the panel is called
 * asynchronously and the answer is sent when it comes.
 */
@NonBlocking
public final class SidecarGrpcService extends SidecarServiceGrpc.SidecarServiceImplBase {
  private final ManifestWatcher manifests;
  private final ToolCaller caller;
  private final String panel;
  private final MeterRegistry registry;

  /**
   * @param registry where {@code nexus_mcp_exec_total{tool}} counts the tool calls handed to the
   *     user's server
   */
  public SidecarGrpcService(
      ManifestWatcher manifests, ToolCaller caller, String panel, MeterRegistry registry) {
    this.registry = requireNonNull(registry, "registry");
    this.manifests = requireNonNull(manifests, "manifests");
    this.caller = requireNonNull(caller, "caller");
    this.panel = requireNonNull(panel, "panel");
  }

  @Override
  public void getManifest(
      GetManifestRequest request, StreamObserver<GetManifestResponse> response) {
    PanelManifest manifest = manifests.current();
    response.onNext(
        GetManifestResponse.newBuilder()
            .setManifest(Manifest.newBuilder().addAllTools(manifest.tools()))
            .setPanel(panel)
            .setState(manifest.state())
            .setMessage(manifest.message())
            .build());
    response.onCompleted();
  }

  @Override
  public void invokeTool(InvokeToolRequest request, StreamObserver<InvokeToolResponse> response) {
    ServiceRequestContext ctx = ServiceRequestContext.current();
    var headers = ctx.request().headers();
    // The panel's work is a child of this sidecar's span of the call (itself the caller's child).
    String own = TraceParents.of(TraceParents.current());
    var trace =
        new ToolCaller.Trace(
            own.isEmpty() ? headers.get("traceparent") : own, headers.get("tracestate"));
    // Counted per tool the manifest declares, so a caller cannot grow the label set at will.
    if (manifests.current().tools().stream().anyMatch(t -> t.getName().equals(request.getTool()))) {
      Counter.builder("nexus_mcp_exec_total")
          .description("Tool calls handed to the panel's server, by tool")
          .tag("tool", request.getTool())
          .register(registry)
          .increment();
    }
    caller
        .call(manifests.current(), request, deadline(ctx), trace)
        .whenComplete(
            (result, failure) -> {
              if (failure != null) {
                response.onError(
                    failure instanceof CompletionException c && c.getCause() != null
                        ? c.getCause()
                        : failure);
                return;
              }
              response.onNext(InvokeToolResponse.newBuilder().setResult(result).build());
              response.onCompleted();
            });
  }

  /** What is left of the call's deadline (its grpc-timeout), within the contract's bounds. */
  private static Duration deadline(ServiceRequestContext ctx) {
    long millis = ctx.requestTimeoutMillis();
    if (millis <= 0) {
      return ManifestLimits.DEFAULT_CALL_DEADLINE;
    }
    long elapsedMillis =
        (System.nanoTime() - ctx.log().partial().requestStartTimeNanos()) / 1_000_000;
    long left = Math.max(1, millis - elapsedMillis - 5);
    return Duration.ofMillis(Math.min(left, ManifestLimits.MAX_CALL_DEADLINE.toMillis()));
  }
}
