package io.nexusmesh.cli;

import io.nexusmesh.api.controlplane.v1.AuditEvent;
import io.nexusmesh.client.NexusClient;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nexus audit}: the audit trail, listed or followed live. */
@Command(
    name = "audit",
    description = "Read the audit trail (admins and viewers).",
    subcommands = {AuditCommand.Tail.class, AuditCommand.ListEvents.class})
final class AuditCommand {
  static Map<String, Function<AuditEvent, String>> columns() {
    Map<String, Function<AuditEvent, String>> c = Output.columns();
    c.put("TIME", e -> Output.time(e.getTime()));
    c.put("ACTOR", AuditEvent::getActor);
    c.put("ACTION", AuditEvent::getAction);
    c.put("RESOURCE", AuditEvent::getResource);
    c.put("OUTCOME", e -> Output.shortName(e.getOutcome(), "AUDIT_OUTCOME_"));
    return c;
  }

  /** Filters both subcommands take. */
  static final class Filters {
    @Option(
        names = "--action",
        defaultValue = "",
        description = "Only this action, e.g. CreateWorkflow.")
    String action;

    @Option(
        names = "--resource",
        defaultValue = "",
        description = "Only this resource, e.g. workflows/hello.")
    String resource;
  }

  @Command(name = "tail", description = "Print audit events as they happen, until interrupted.")
  static final class Tail extends ClientCommand {
    @picocli.CommandLine.Mixin Filters filters;

    @Override
    int run(NexusClient client, Output out) {
      Iterator<AuditEvent> events = client.audit().tail(filters.action, filters.resource);
      out.note("following the audit trail (Ctrl-C to stop)");
      while (events.hasNext()) {
        out.list(List.of(events.next()), columns());
      }
      return 0;
    }
  }

  @Command(name = "list", aliases = "ls", description = "List the newest audit events.")
  static final class ListEvents extends ClientCommand {
    @picocli.CommandLine.Mixin Filters filters;

    @Option(
        names = "--limit",
        defaultValue = "50",
        description = "At most this many (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    int run(NexusClient client, Output out) {
      out.list(client.audit().list(filters.action, filters.resource, limit), columns());
      return 0;
    }
  }
}
