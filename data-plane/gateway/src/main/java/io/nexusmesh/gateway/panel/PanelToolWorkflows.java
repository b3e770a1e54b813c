package io.nexusmesh.gateway.panel;

import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.api.sidecar.v1.Tool;
import io.nexusmesh.api.workflow.v1.Node;
import io.nexusmesh.api.workflow.v1.RetryPolicy;
import io.nexusmesh.api.workflow.v1.ToolNode;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import java.util.Optional;

/**
 * A panel tool as a workflow of one {@code tool} node, so that calling it from MCP is an execution
 * like any other: journaled, cancellable, with progress events and a record to read afterwards. Its
 * name on every channel is {@code <panel>.<tool>}, which no workflow id can be (they have no dots).
 */
public final class PanelToolWorkflows {
  /** The separator between a panel's name and its tool's in a tool name. */
  public static final char SEPARATOR = '.';

  private PanelToolWorkflows() {}

  /** {@code panel.tool}. */
  public static String toolName(String panel, String tool) {
    return panel + SEPARATOR + tool;
  }

  /** The panel and tool a name like {@code panel.tool} names, if it is one. */
  public static Optional<String[]> split(String name) {
    int dot = name.indexOf(SEPARATOR);
    if (dot <= 0 || dot == name.length() - 1) {
      return Optional.empty();
    }
    return Optional.of(new String[] {name.substring(0, dot), name.substring(dot + 1)});
  }

  /** The one-node workflow that calls {@code tool} of {@code panel} with the call's input. */
  public static DeployedWorkflow of(ReachablePanel panel, Tool tool) {
    WorkflowSpec spec =
        WorkflowSpec.newBuilder()
            .addNodes(
                Node.newBuilder()
                    .setId("call")
                    .setDescription(tool.getDesc())
                    .setTool(
                        ToolNode.newBuilder()
                            .setPanel(panel.panel())
                            .setTool(tool.getName())
                            .setArguments("input")))
            // The caller (an MCP client, a model) decides whether to try again.
            .setDefaultRetry(RetryPolicy.newBuilder().setMaxAttempts(1))
            .setOutput("nodes.call")
            .build();
    return DeployedWorkflow.newBuilder()
        .setDeploymentId("panel-" + panel.instance())
        .setOrg(panel.org())
        .setWorkflowId(toolName(panel.panel(), tool.getName()))
        .setVersion(1)
        .setDescription(tool.getDesc())
        .setSpec(spec)
        .build();
  }
}
