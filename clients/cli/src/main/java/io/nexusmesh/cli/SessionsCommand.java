package io.nexusmesh.cli;

import io.nexusmesh.api.gateway.v1.ReplaySessionResponse;
import io.nexusmesh.api.semantic.v1.SemanticEvent;
import io.nexusmesh.client.NexusClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nexus sessions}: sessions and their agent chains. */
@Command(
    name = "sessions",
    description = "Read sessions and replay their agents' chains.",
    subcommands = {SessionsCommand.Replay.class})
final class SessionsCommand {
  @Command(
      name = "replay",
      description = {
        "Re-read a session's agent chain from the semantic bus's log, in order",
        "(steps on stderr, answers on stdout; -o json: one event per line on stdout)."
      },
      footer = {"", "Example: nexus sessions replay 0123456789abcdef0123456789abcdef --from 5"})
  static final class Replay extends ClientCommand {
    @Parameters(paramLabel = "ID", description = "The session.")
    String id;

    @Option(
        names = "--from",
        defaultValue = "1",
        paramLabel = "N",
        description = "The first sequence number (default: ${DEFAULT-VALUE}).")
    long from;

    @Override
    int run(NexusClient client, Output out) {
      var printer = new ChainPrinter(System.err, System.out);
      long next = from;
      int count = 0;
      do {
        ReplaySessionResponse page = client.sessions().replay(id, next, 1000);
        for (SemanticEvent event : page.getEventsList()) {
          if (out.json()) {
            out.value(event);
          } else {
            printer.print(event);
          }
          count++;
        }
        next = page.getNextSequence();
      } while (next > 0);
      if (count == 0) {
        System.err.println(
            "session " + id + " has no agent chain" + (from > 1 ? " from " + from : ""));
      }
      return 0;
    }
  }
}
