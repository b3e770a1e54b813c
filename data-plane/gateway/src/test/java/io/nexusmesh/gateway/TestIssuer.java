package io.nexusmesh.gateway;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.auth.DevTokenIssuer;
import io.nexusmesh.runtime.auth.DevTokenIssuer.TokenRequest;
import io.nexusmesh.runtime.auth.ServiceRoles;
import io.nexusmesh.testing.Ports;
import java.net.URI;
import java.time.Duration;

/**
 * An OIDC issuer for gateway tests: the dev issuer served over HTTP on a loopback port, so that
 * gateways verify its tokens through the JWKS code path they use against Keycloak. One per test
 * JVM; its key is kept in a file when a test hands it to gateway processes.
 */
final class TestIssuer {
  private static volatile TestIssuer shared;

  final DevTokenIssuer issuer;
  private final Server server;

  private TestIssuer(DevTokenIssuer issuer, Server server) {
    this.issuer = issuer;
    this.server = server;
  }

  static synchronized TestIssuer shared() {
    if (shared == null) {
      int port = Ports.freeLoopbackPort();
      DevTokenIssuer issuer =
          DevTokenIssuer.create(URI.create("http://127.0.0.1:" + port + "/dev-issuer"));
      ServerBuilder sb = Server.builder().http(port);
      issuer.serveOn(sb);
      Server server = sb.build();
      server.start().join();
      shared = new TestIssuer(issuer, server);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop().join()));
    }
    return shared;
  }

  URI uri() {
    return issuer.issuer();
  }

  /** The control plane's own token for gateways' admin service. */
  String controlPlaneToken() {
    return issuer.mint(
        TokenRequest.service(
            "service-account-nexus-control-plane",
            ServiceRoles.SYSTEM_ORG,
            Audiences.GATEWAY,
            Duration.ofHours(1),
            ServiceRoles.CONTROL_PLANE));
  }

  /** A person's gateway-audience token. */
  String gatewayToken(String org) {
    return issuer.mint(TokenRequest.user("alice", org, Audiences.GATEWAY, "developer"));
  }

  /** A person's management token, which gateways must refuse. */
  String managementToken(String org) {
    return issuer.mint(TokenRequest.user("alice", org, Audiences.MANAGEMENT, "admin"));
  }
}
