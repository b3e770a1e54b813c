package io.nexusmesh.cli;

import io.nexusmesh.api.controlplane.v1.ApiKey;
import io.nexusmesh.api.controlplane.v1.CreateApiKeyResponse;
import io.nexusmesh.client.NexusClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nexus keys}: API keys of the organisation. */
@Command(
    name = "keys",
    description = "Create, list and revoke the organisation's API keys (admins).",
    subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
final class KeysCommand {
  static Map<String, Function<ApiKey, String>> columns() {
    Map<String, Function<ApiKey, String>> c = Output.columns();
    c.put("ID", ApiKey::getId);
    c.put("NAME", ApiKey::getDisplayName);
    c.put("STATE", k -> Output.shortName(k.getState(), "API_KEY_STATE_"));
    c.put(
        "WORKFLOWS",
        k ->
            k.getAllowedWorkflowIdsCount() == 0
                ? "*"
                : String.join(",", k.getAllowedWorkflowIdsList()));
    c.put("CREATED", k -> Output.time(k.getCreateTime()));
    return c;
  }

  @Command(name = "create", description = "Create a key; its secret is printed this once.")
  static final class Create extends ClientCommand {
    @Parameters(paramLabel = "NAME", description = "A name people recognise it by.")
    String name;

    @Option(
        names = "--workflow",
        paramLabel = "ID",
        description = "A workflow it may run (repeatable; default: all).")
    List<String> workflows = new ArrayList<>();

    @Override
    int run(NexusClient client, Output out) {
      CreateApiKeyResponse created = client.apiKeys().create(name, workflows);
      if (globals.output == Output.Format.table) {
        out.one(created.getApiKey(), columns());
        System.out.println();
        System.out.println("secret (shown once, keep it safe): " + created.getSecret());
      } else {
        out.value(created);
      }
      return 0;
    }
  }

  @Command(name = "list", aliases = "ls", description = "List keys, revoked ones included.")
  static final class ListKeys extends ClientCommand {
    @Override
    int run(NexusClient client, Output out) {
      out.list(client.apiKeys().list(), columns());
      return 0;
    }
  }

  @Command(name = "revoke", description = "Revoke a key: gateways refuse it from now on.")
  static final class Revoke extends ClientCommand {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    int run(NexusClient client, Output out) {
      out.one(client.apiKeys().revoke(id), columns());
      return 0;
    }
  }
}
