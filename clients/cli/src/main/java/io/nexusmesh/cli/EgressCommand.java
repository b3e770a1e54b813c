package io.nexusmesh.cli;

import io.nexusmesh.api.controlplane.v1.EgressPolicy;
import io.nexusmesh.api.controlplane.v1.EgressRule;
import io.nexusmesh.client.NexusClient;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nexus egress}: where the organisation's workflows may send requests. */
@Command(
    name = "egress",
    description = {
      "Show and change the organisation's egress policy (changing it: admins).",
      "By default workflows reach the public internet only: loopback, private ranges and the mesh's"
          + " own endpoints are refused, link-local (cloud metadata) always."
    },
    subcommands = {EgressCommand.Show.class, EgressCommand.Allow.class, EgressCommand.Remove.class})
final class EgressCommand {
  static Map<String, Function<EgressRule, String>> columns() {
    Map<String, Function<EgressRule, String>> c = new java.util.LinkedHashMap<>();
    c.put("ALLOWED", EgressRule::getDestination);
    c.put("WHY", EgressRule::getDescription);
    return c;
  }

  private static int print(EgressPolicy policy, Output out, Globals globals) {
    if (globals.output == Output.Format.table) {
      if (policy.getAllowCount() == 0) {
        System.out.println("default policy: public internet only (nothing else allowed)");
      } else {
        out.list(policy.getAllowList(), columns());
      }
    } else {
      out.value(policy);
    }
    return 0;
  }

  @Command(name = "show", description = "Show what is allowed beyond the public internet.")
  static final class Show extends ClientCommand {
    @Override
    int run(NexusClient client, Output out) {
      return print(client.egress().get(), out, globals);
    }
  }

  @Command(
      name = "allow",
      description = {
        "Allow a destination: host, *.domain, address or CIDR, with an optional :port.",
        "Examples: nexus egress allow 127.0.0.1:8089   nexus egress allow '*.corp.example:443'"
      })
  static final class Allow extends ClientCommand {
    @Parameters(paramLabel = "DESTINATION")
    String destination;

    @Option(names = "--why", paramLabel = "TEXT", description = "Why it is allowed.")
    String why = "";

    @Override
    int run(NexusClient client, Output out) {
      return print(client.egress().allow(destination, why), out, globals);
    }
  }

  @Command(name = "remove", aliases = "rm", description = "Stop allowing a destination.")
  static final class Remove extends ClientCommand {
    @Parameters(paramLabel = "DESTINATION")
    String destination;

    @Override
    int run(NexusClient client, Output out) {
      return print(client.egress().remove(destination), out, globals);
    }
  }
}
