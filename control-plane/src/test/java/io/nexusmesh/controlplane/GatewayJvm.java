package io.nexusmesh.controlplane;

import io.nexusmesh.gateway.GatewayMain;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.TestJvm;
import java.util.HashMap;
import java.util.Map;

/** A gateway in its own JVM ({@link TestJvm}), registered with a test's control plane. */
final class GatewayJvm {
  private GatewayJvm() {}

  /** Starts gateway {@code id} of {@code org} with {@code extra} settings ({@code OTEL_*}...). */
  static TestJvm start(
      ControlPlaneHarness cp, RedisEndpoint redis, String org, String id, Map<String, String> extra)
      throws Exception {
    int port = PanelMeshSupport.freePort();
    Map<String, String> env = new HashMap<>(extra);
    env.put("NEXUS_GATEWAY_ID", id);
    env.put("NEXUS_GATEWAY_PORT", Integer.toString(port));
    env.put("NEXUS_GATEWAY_ENVIRONMENT", "dev");
    env.put("NEXUS_REDIS_URL", redis.uri());
    env.put("NEXUS_OIDC_ISSUER", cp.issuer.issuer().toString());
    env.put("NEXUS_CONTROL_PLANE_URL", cp.baseUrl());
    env.put("NEXUS_GATEWAY_TOKEN", cp.gatewayToken(org, id));
    env.put("NEXUS_GATEWAY_ADVERTISED_URL", "http://127.0.0.1:" + port);
    env.put("NEXUS_GATEWAY_SHUTDOWN_TIMEOUT", "1s");
    return TestJvm.start(id, GatewayMain.class, port, env, "-Xmx384m");
  }
}
