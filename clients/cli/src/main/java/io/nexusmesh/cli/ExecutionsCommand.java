package io.nexusmesh.cli;

import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.client.Json;
import io.nexusmesh.client.NexusClient;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nexus executions}: read, list, cancel and signal executions. */
@Command(
    name = "executions",
    aliases = "ex",
    description = "Read, list, cancel and signal executions.",
    subcommands = {
      ExecutionsCommand.Get.class,
      ExecutionsCommand.Watch.class,
      ExecutionsCommand.ListExecutions.class,
      ExecutionsCommand.Cancel.class,
      ExecutionsCommand.Signal.class
    })
final class ExecutionsCommand {
  static Map<String, Function<Execution, String>> columns() {
    Map<String, Function<Execution, String>> c = Output.columns();
    c.put("ID", Execution::getId);
    c.put("WORKFLOW", e -> e.getWorkflowId() + " v" + e.getWorkflowVersion());
    c.put("STATUS", e -> Output.shortName(e.getStatus(), "EXECUTION_STATUS_"));
    c.put("MODE", e -> Output.shortName(e.getMode(), "EXECUTION_MODE_"));
    c.put("CREATED", e -> Output.time(e.getCreateTime()));
    c.put("ENDED", e -> Output.time(e.getEndTime()));
    // A saga's compensations, in the order they ran: "hotel ok, flight FAILED".
    c.put(
        "COMPENSATED",
        e ->
            e.getCompensationsList().stream()
                .map(
                    comp ->
                        comp.getNodeId()
                            + (comp.getStatus() == ExecutionStatus.EXECUTION_STATUS_SUCCEEDED
                                ? " ok"
                                : " FAILED"))
                .collect(java.util.stream.Collectors.joining(", ")));
    return c;
  }

  @Command(name = "get", description = "Show one execution (-o json for its input and output).")
  static final class Get extends ClientCommand {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    int run(NexusClient client, Output out) {
      var details = columns();
      details.put("TRACE", Execution::getTraceId);
      out.one(client.executions().get(id), details);
      return 0;
    }
  }

  @Command(
      name = "watch",
      description = "Show an execution's progress until it ends, then print its output.")
  static final class Watch extends ClientCommand {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    int run(NexusClient client, Output out) {
      return ExecutionProgress.follow(client, out, id);
    }
  }

  @Command(name = "list", aliases = "ls", description = "List executions, newest first.")
  static final class ListExecutions extends ClientCommand {
    @Option(names = "--workflow", defaultValue = "", description = "Only this workflow's.")
    String workflow;

    @Option(
        names = "--status",
        description = "Only these: running, succeeded, failed, cancelled, timed_out.")
    String status;

    @Option(
        names = "--limit",
        defaultValue = "20",
        description = "At most this many (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    int run(NexusClient client, Output out) {
      ExecutionStatus filter =
          status == null ? ExecutionStatus.EXECUTION_STATUS_UNSPECIFIED : parseStatus(status);
      out.list(client.executions().list(workflow, filter, limit), columns());
      return 0;
    }

    private static ExecutionStatus parseStatus(String name) {
      try {
        return ExecutionStatus.valueOf("EXECUTION_STATUS_" + name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown status '" + name + "'");
      }
    }
  }

  @Command(name = "cancel", description = "Ask an execution to stop.")
  static final class Cancel extends ClientCommand {
    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "--reason", defaultValue = "cancelled with the nexus CLI")
    String reason;

    @Override
    int run(NexusClient client, Output out) {
      out.one(client.executions().cancel(id, reason), columns());
      return 0;
    }
  }

  @Command(name = "signal", description = "Send a named signal to an execution waiting for it.")
  static final class Signal extends ClientCommand {
    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @Parameters(index = "1", paramLabel = "SIGNAL")
    String signal;

    @Option(names = "--payload", defaultValue = "{}", paramLabel = "JSON|@FILE")
    String payload;

    @Override
    int run(NexusClient client, Output out) {
      client.executions().signal(id, signal, Json.struct(RunCommand.readInput(payload)));
      out.note("signal " + signal + " sent to " + id);
      return 0;
    }
  }
}
