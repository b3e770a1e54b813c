package io.nexusmesh.controlplane.xds;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the xDS server, under {@code nexus.xds} ({@code NEXUS_XDS_*}; see {@code
 * application.yaml}).
 *
 * @param enabled whether this control plane serves xDS
 * @param port the ADS port (gRPC, plaintext; a credential on every stream); 0 picks a free one
 * @param host the address it binds to
 * @param quiet how long the publisher waits for a burst of changes to end
 * @param maxDelay the longest a change waits for its push, bursts or not
 * @param resync how often every view is rebuilt without a signal
 * @param edgeControlPlaneHost the control plane as the edge Envoy resolves it (its Service)
 * @param edgeControlPlanePort the control plane's port behind that name
 */
@ConfigurationProperties("nexus.xds")
public record XdsProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("18000") int port,
    @DefaultValue("0.0.0.0") String host,
    @DefaultValue("100ms") Duration quiet,
    @DefaultValue("1s") Duration maxDelay,
    @DefaultValue("5s") Duration resync,
    @DefaultValue("nexus-control-plane.nexus-system.svc") String edgeControlPlaneHost,
    @DefaultValue("8080") int edgeControlPlanePort) {}
