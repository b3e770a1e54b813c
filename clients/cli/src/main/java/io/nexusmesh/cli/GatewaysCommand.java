package io.nexusmesh.cli;

import io.nexusmesh.api.controlplane.v1.Gateway;
import io.nexusmesh.client.NexusClient;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Command;

/** {@code nexus gateways}: the registered gateways. */
@Command(
    name = "gateways",
    aliases = "gw",
    description = "Show the gateways registered with the control plane.",
    subcommands = GatewaysCommand.ListGateways.class)
final class GatewaysCommand {
  @Command(name = "list", aliases = "ls", description = "List gateways and their health.")
  static final class ListGateways extends ClientCommand {
    @Override
    int run(NexusClient client, Output out) {
      Map<String, Function<Gateway, String>> c = Output.columns();
      c.put("ID", Gateway::getId);
      c.put(
          "ENV",
          g -> Output.shortName(g.getEnvironment(), "ENVIRONMENT_").toLowerCase(Locale.ROOT));
      c.put("HEALTH", g -> Output.shortName(g.getHealth(), "GATEWAY_HEALTH_"));
      c.put("LAST HEARTBEAT", g -> Output.time(g.getLastHeartbeatTime()));
      c.put("VERSION", Gateway::getBuildVersion);
      c.put("ADMIN ENDPOINT", Gateway::getAdminEndpoint);
      out.list(client.gateways().list(), c);
      return 0;
    }
  }
}
