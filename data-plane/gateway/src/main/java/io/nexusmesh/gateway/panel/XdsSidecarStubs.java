package io.nexusmesh.gateway.panel;

import io.grpc.CallCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.nexusmesh.api.sidecar.v1.SidecarServiceGrpc;
import io.nexusmesh.api.sidecar.v1.SidecarServiceGrpc.SidecarServiceFutureStub;
import io.nexusmesh.runtime.telemetry.GrpcClientTracing;
import io.opentelemetry.api.OpenTelemetry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Sidecars reached through {@code xds:///panel.NAME}: grpc-java's xDS client resolves the name
 * against the control plane's xDS server (the organisation is the gateway's own, from its
 * credential) and follows the panel to each new endpoint as it is pushed, with no call failing
 * because the panel moved. One channel per panel; the invoke key travels per call, so a restarted
 * instance's new key applies at once.
 */
public final class XdsSidecarStubs implements SidecarStubs {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final GrpcClientTracing tracing;

  /** Stubs whose calls are traced by {@code otel} (the trace context goes on to the sidecar). */
  public XdsSidecarStubs(OpenTelemetry otel) {
    this.tracing = new GrpcClientTracing(otel);
  }

  /** The xDS name of a panel. */
  public static String target(String panel) {
    return "xds:///panel." + panel;
  }

  @Override
  public SidecarServiceFutureStub stub(ReachablePanel panel) {
    ManagedChannel channel =
        channels.computeIfAbsent(
            panel.panel(),
            name ->
                Grpc.newChannelBuilder(target(name), InsecureChannelCredentials.create())
                    .intercept(tracing)
                    .build());
    return SidecarServiceGrpc.newFutureStub(channel)
        .withCallCredentials(new InvokeKey(panel.invokeKey()));
  }

  /** {@code Authorization: Bearer <invoke key>}. */
  private static final class InvokeKey extends CallCredentials {
    private final String key;

    InvokeKey(String key) {
      this.key = key;
    }

    @Override
    public void applyRequestMetadata(
        RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, "Bearer " + key);
      applier.apply(headers);
    }
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel channel : channels.values()) {
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
