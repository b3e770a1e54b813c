package io.nexusmesh.cli;

import io.nexusmesh.api.controlplane.v1.Secret;
import io.nexusmesh.client.NexusClient;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code nexus secrets}: the organisation's secrets, write-only. */
@Command(
    name = "secrets",
    description = {
      "Set, list and delete the organisation's secrets (setting and deleting: admins).",
      "Workflows use them as {{secrets.NAME}} in an http node's url, headers or body; values are"
          + " never shown again."
    },
    subcommands = {
      SecretsCommand.Set.class,
      SecretsCommand.ListSecrets.class,
      SecretsCommand.Delete.class
    })
final class SecretsCommand {
  static Map<String, Function<Secret, String>> columns() {
    Map<String, Function<Secret, String>> c = Output.columns();
    c.put("NAME", Secret::getName);
    c.put("VERSION", s -> Long.toString(s.getVersion()));
    c.put("UPDATED", s -> Output.time(s.getUpdateTime()));
    c.put("BY", Secret::getUpdater);
    return c;
  }

  @Command(
      name = "set",
      description = {
        "Create a secret or give it a new value, read from standard input (one trailing newline is"
            + " dropped), or asked for without echo on a terminal.",
        "Example: printf %s \"$TOKEN\" | nexus secrets set GITHUB_TOKEN"
      })
  static final class Set extends ClientCommand {
    @Parameters(paramLabel = "NAME", description = "A letter or _, then letters, digits or _.")
    String name;

    @Override
    int run(NexusClient client, Output out) throws IOException {
      String value = readValue(name);
      if (value.isEmpty()) {
        System.err.println("error: no value on standard input; nothing was set");
        return 2;
      }
      out.one(client.secrets().set(name, value), columns());
      return 0;
    }
  }

  @Command(name = "list", aliases = "ls", description = "List secrets: names, versions, times.")
  static final class ListSecrets extends ClientCommand {
    @Override
    int run(NexusClient client, Output out) {
      out.list(client.secrets().list(), columns());
      return 0;
    }
  }

  @Command(name = "delete", aliases = "rm", description = "Delete a secret.")
  static final class Delete extends ClientCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    int run(NexusClient client, Output out) {
      out.one(client.secrets().delete(name), columns());
      return 0;
    }
  }

  /**
   * Whether the console is a terminal. From JDK 22 on, {@link System#console()} is not null when
   * input is piped, and {@code Console.isTerminal()} (absent from the Java 21 API we compile
   * against) tells the two apart.
   */
  private static boolean isTerminal(Console console) {
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true; // JDK 21: a console exists only for a terminal
    }
  }

  /** The value from the terminal (no echo) or from standard input. */
  static String readValue(String name) throws IOException {
    Console console = System.console();
    if (console != null && isTerminal(console)) {
      char[] typed = console.readPassword("value of %s (not shown): ", name);
      return typed == null ? "" : new String(typed);
    }
    String value = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
    if (value.endsWith("\r\n")) {
      return value.substring(0, value.length() - 2);
    }
    return value.endsWith("\n") ? value.substring(0, value.length() - 1) : value;
  }
}
