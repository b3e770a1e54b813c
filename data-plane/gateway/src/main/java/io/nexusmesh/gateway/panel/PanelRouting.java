package io.nexusmesh.gateway.panel;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.client.XdsBootstrap;
import io.nexusmesh.gateway.engine.OrgAccess;
import io.nexusmesh.runtime.auth.Authenticator;
import io.nexusmesh.runtime.relay.HttpRelay;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.jspecify.annotations.Nullable;

/**
 * How one gateway reaches its organisation's panels, tools and UIs alike: through the control
 * plane's xDS server when it has one ({@code xds:///panel.NAME} for tools, the same snapshot's EDS
 * for the traffic gateway; the JVM's xDS bootstrap subscribes with the gateway's control-plane
 * token unless one is configured already), else at the endpoints its key sets name.
 */
public final class PanelRouting implements AutoCloseable {
  private final SidecarStubs sidecars;
  private final @Nullable PanelEndpoints endpoints;
  private final HttpRelay relay = new HttpRelay();

  /**
   * @param xdsServer the xDS server ({@code host:port}), or null to route directly
   * @param gatewayId the gateway's id (its node id names it)
   * @param token the gateway's control-plane token (its xDS credential)
   * @param otel where the calls to sidecars are traced
   */
  public PanelRouting(
      @Nullable String xdsServer,
      String gatewayId,
      @Nullable String token,
      io.opentelemetry.api.OpenTelemetry otel) {
    requireNonNull(gatewayId, "gatewayId");
    String credential = token == null ? "" : token;
    if (xdsServer == null) {
      sidecars = new DirectSidecarStubs(otel);
      endpoints = null;
    } else {
      if (!XdsBootstrap.configured()) {
        installBootstrap(xdsServer, "gateway/" + gatewayId, credential);
      }
      sidecars = new XdsSidecarStubs(otel);
      endpoints =
          new PanelEndpoints(xdsServer, "gateway/" + gatewayId + "/traffic", () -> credential);
    }
  }

  /** The sidecars' stubs, for {@link PanelTools}. */
  public SidecarStubs sidecars() {
    return sidecars;
  }

  /** The traffic gateway over {@code access}'s panels. */
  public PanelTrafficService traffic(Authenticator authenticator, OrgAccess access) {
    return new PanelTrafficService(
        authenticator,
        access,
        endpoints == null ? PanelAddresses.direct() : PanelAddresses.xds(endpoints),
        relay);
  }

  private static void installBootstrap(String xdsServer, String nodeId, String token) {
    try {
      Path file =
          Files.createTempFile(
              "nexus-xds-token",
              "",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      file.toFile().deleteOnExit();
      Files.writeString(file, token);
      new XdsBootstrap(xdsServer, nodeId, file).install();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the gateway's xDS token file", e);
    }
  }

  /** Closes the traffic gateway's parts; the sidecar stubs close with {@link PanelTools}. */
  @Override
  public void close() {
    relay.close();
    if (endpoints != null) {
      endpoints.close();
    }
  }
}
