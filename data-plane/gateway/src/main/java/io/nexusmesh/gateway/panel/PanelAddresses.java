package io.nexusmesh.gateway.panel;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.common.util.DomainSocketAddress;
import java.time.Duration;
import java.util.Optional;

/** Where the traffic gateway sends a panel's UI requests: its sidecar's current endpoint. */
@FunctionalInterface
public interface PanelAddresses {
  /** The sidecar of {@code panel}'s current instance, if it has one that may take traffic. */
  Optional<Endpoint> endpoint(ReachablePanel panel);

  /** The endpoint the organisation's key set names (no xDS server). */
  static PanelAddresses direct() {
    return panel ->
        Optional.of(
            panel.endpoint().startsWith("unix:")
                ? DomainSocketAddress.of(panel.endpoint().substring("unix:".length())).asEndpoint()
                : Endpoint.parse(panel.endpoint()));
  }

  /** The endpoint the xDS server pushes for {@code panel.NAME}. */
  static PanelAddresses xds(PanelEndpoints endpoints) {
    return panel -> endpoints.endpoint(panel.panel(), Duration.ofSeconds(2));
  }
}
