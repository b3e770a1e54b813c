package io.nexusmesh.cli;

import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowVersion;
import io.nexusmesh.client.NexusClient;
import io.nexusmesh.client.Workflows;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nexus workflows}: apply, list and read workflows and their versions. */
@Command(
    name = "workflows",
    aliases = "wf",
    description = "Create and read workflows and their immutable versions.",
    subcommands = {
      WorkflowsCommand.Apply.class,
      WorkflowsCommand.ListWorkflows.class,
      WorkflowsCommand.Get.class,
      WorkflowsCommand.Versions.class
    })
final class WorkflowsCommand {
  static Map<String, Function<Workflow, String>> columns() {
    Map<String, Function<Workflow, String>> c = Output.columns();
    c.put("ID", Workflow::getId);
    c.put("LATEST", w -> Long.toString(w.getLatestVersion()));
    c.put("UPDATED", w -> Output.time(w.getUpdateTime()));
    c.put("DESCRIPTION", Workflow::getDescription);
    return c;
  }

  static Map<String, Function<WorkflowVersion, String>> versionColumns() {
    Map<String, Function<WorkflowVersion, String>> c = Output.columns();
    c.put("WORKFLOW", WorkflowVersion::getWorkflowId);
    c.put("VERSION", v -> Long.toString(v.getVersion()));
    c.put("CREATED", v -> Output.time(v.getCreateTime()));
    c.put("CREATOR", WorkflowVersion::getCreator);
    c.put("DESCRIPTION", WorkflowVersion::getDescription);
    return c;
  }

  @Command(
      name = "apply",
      description =
          "Create the workflow of a YAML/JSON file, or a new version of it when its spec changed.")
  static final class Apply extends ClientCommand {
    @Option(
        names = {"-f", "--file"},
        required = true,
        paramLabel = "FILE",
        description = "The workflow file (YAML or JSON).")
    Path file;

    @Option(
        names = {"-m", "--message"},
        defaultValue = "",
        description = "What changed, kept with the new version.")
    String message;

    @Override
    int run(NexusClient client, Output out) {
      WorkflowFile parsed = WorkflowFile.read(file);
      Workflows.Applied applied =
          client.workflows().apply(parsed.workflow(), parsed.spec(), message);
      out.note(
          applied.changed()
              ? "workflow "
                  + applied.workflow().getId()
                  + ": created version "
                  + applied.version().getVersion()
              : "workflow "
                  + applied.workflow().getId()
                  + ": unchanged (version "
                  + applied.version().getVersion()
                  + ")");
      if (globals.output != Output.Format.table) {
        out.one(applied.version(), versionColumns());
      }
      return 0;
    }
  }

  @Command(name = "list", aliases = "ls", description = "List the organisation's workflows.")
  static final class ListWorkflows extends ClientCommand {
    @Override
    int run(NexusClient client, Output out) {
      out.list(client.workflows().list(), columns());
      return 0;
    }
  }

  @Command(name = "get", description = "Show one workflow.")
  static final class Get extends ClientCommand {
    @Parameters(paramLabel = "ID", description = "The workflow id.")
    String id;

    @Override
    int run(NexusClient client, Output out) {
      out.one(client.workflows().get(id), columns());
      return 0;
    }
  }

  @Command(name = "versions", description = "List a workflow's versions (-o yaml shows specs).")
  static final class Versions extends ClientCommand {
    @Parameters(paramLabel = "ID", description = "The workflow id.")
    String id;

    @Override
    int run(NexusClient client, Output out) {
      out.list(client.workflows().versions(id), versionColumns());
      return 0;
    }
  }
}
