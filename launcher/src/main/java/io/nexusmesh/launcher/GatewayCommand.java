package io.nexusmesh.launcher;

import io.nexusmesh.gateway.GatewayConfig;
import io.nexusmesh.gateway.GatewayMain;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code nexus gateway}: one more gateway, e.g. beside {@code nexus dev}. */
@Command(
    name = "gateway",
    description = {
      "Run a gateway in this process until Ctrl-C, configured by NEXUS_GATEWAY_* and the other"
          + " variables of the README's gateway table (defaults: the dev stack's Redis, control"
          + " plane and issuer).",
      "Beside `nexus dev`:",
      "  NEXUS_GATEWAY_ID=gw-2 NEXUS_GATEWAY_PORT=9091 \\",
      "  NEXUS_GATEWAY_TOKEN=$(./nexus dev token --service gateway --gateway-id gw-2) \\",
      "  ./nexus gateway"
    })
final class GatewayCommand implements Callable<Integer> {
  @Override
  public Integer call() throws InterruptedException {
    GatewayConfig config = GatewayConfig.fromEnvironment();
    GatewayMain.run(
        config,
        gateway ->
            System.out.printf(
                "gateway %s serving on port %d (%s)%n",
                config.gatewayId(),
                gateway.port(),
                config.controlPlaneToken() == null
                    ? "unregistered: set NEXUS_GATEWAY_TOKEN"
                    : "registering with " + config.controlPlaneUrl()));
    return 0;
  }
}
