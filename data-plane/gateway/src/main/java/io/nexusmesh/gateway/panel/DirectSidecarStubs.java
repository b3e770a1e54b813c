package io.nexusmesh.gateway.panel;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.auth.AuthToken;
import com.linecorp.armeria.common.util.DomainSocketAddress;
import io.nexusmesh.api.sidecar.v1.SidecarServiceGrpc.SidecarServiceFutureStub;
import io.nexusmesh.runtime.telemetry.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sidecars reached at the endpoint their key set names ({@code host:port} or {@code unix:/path}): a
 * gateway without an xDS server ({@code nexus dev} with panels in local network namespaces).
 */
public final class DirectSidecarStubs implements SidecarStubs {
  private final ClientFactory factory =
      ClientFactory.builder().connectTimeout(Duration.ofSeconds(2)).build();

  /** The stub of one panel's current instance. */
  private record InstanceStub(String instance, SidecarServiceFutureStub stub) {}

  // One entry per org/panel: a restarted instance (new endpoint and key) replaces the old one.
  private final Map<String, InstanceStub> stubs = new ConcurrentHashMap<>();
  private final OpenTelemetry otel;

  /** Stubs whose calls are traced by {@code otel} (the trace context goes on to the sidecar). */
  public DirectSidecarStubs(OpenTelemetry otel) {
    this.otel = java.util.Objects.requireNonNull(otel, "otel");
  }

  @Override
  public SidecarServiceFutureStub stub(ReachablePanel panel) {
    return stubs
        .compute(
            panel.org() + "/" + panel.panel(),
            (k, held) -> {
              if (held != null && held.instance().equals(panel.instance())) {
                return held;
              }
              Endpoint endpoint =
                  panel.endpoint().startsWith("unix:")
                      ? DomainSocketAddress.of(panel.endpoint().substring("unix:".length()))
                          .asEndpoint()
                      : Endpoint.parse(panel.endpoint());
              return new InstanceStub(
                  panel.instance(),
                  GrpcClients.builder(SessionProtocol.HTTP, endpoint)
                      .factory(factory)
                      .auth(AuthToken.ofOAuth2(panel.invokeKey()))
                      .decorator(Tracing.clientDecorator(otel))
                      .build(SidecarServiceFutureStub.class));
            })
        .stub();
  }

  @Override
  public void close() {
    factory.close();
  }
}
