package io.nexusmesh.cli;

import com.google.protobuf.Struct;
import io.grpc.StatusRuntimeException;
import io.nexusmesh.api.gateway.v1.ExecuteResponse;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.client.ErrorDetails;
import io.nexusmesh.client.Json;
import io.nexusmesh.client.NexusClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nexus run}: runs a deployed workflow and prints its output. */
@Command(
    name = "run",
    description = "Run a deployed workflow and print its output (JSON).",
    footer = {"", "Example: nexus run hello --input '{\"name\": \"Ada\"}'"})
final class RunCommand extends ClientCommand {
  @Parameters(paramLabel = "WORKFLOW", description = "The workflow id.")
  String workflow;

  @Option(
      names = {"-i", "--input"},
      defaultValue = "{}",
      paramLabel = "JSON|@FILE",
      description = "The input: a JSON object, or @ and a file holding one (default: {}).")
  String input;

  @Option(names = "--watch", description = "Show each node's progress (on stderr) as it runs.")
  boolean watch;

  @Option(
      names = "--session",
      defaultValue = "",
      paramLabel = "ID",
      description = "Run it in this session (its id works on every channel: gRPC, REST, MCP).")
  String session;

  @Option(
      names = {"-d", "--detach"},
      description = "Start it and print only the execution id (follow it with `executions watch`).")
  boolean detach;

  @Override
  int run(NexusClient client, Output out) {
    Struct in = Json.struct(readInput(input));
    if (!watch && !detach) {
      ExecuteResponse response;
      try {
        response = client.executions().execute(workflow, in, session);
      } catch (StatusRuntimeException e) {
        return runFailed(e);
      }
      if (response.getStatus() == ExecutionStatus.EXECUTION_STATUS_RUNNING) {
        System.err.println(
            "still running after the deadline: follow it with `nexus executions watch "
                + response.getExecutionId()
                + "`");
        return Failures.UNREACHABLE;
      }
      out.value(response.getOutput());
      return 0;
    }
    Execution started = client.executions().start(workflow, in, session);
    if (detach) {
      System.out.println(started.getId());
      return 0;
    }
    return ExecutionProgress.follow(client, out, started.getId());
  }

  /** A run that ended badly is exit code 1; a call refused before it ran keeps its own code. */
  private static int runFailed(StatusRuntimeException e) {
    ErrorDetails details = ErrorDetails.from(e);
    if (!details.metadata().containsKey("execution_id")) {
      throw e;
    }
    System.err.println("error: " + details.message());
    return Failures.FAILED;
  }

  static String readInput(String value) {
    if (!value.startsWith("@")) {
      return value;
    }
    try {
      return Files.readString(Path.of(value.substring(1)));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read input file " + value.substring(1), e);
    }
  }
}
