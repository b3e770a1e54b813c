package io.nexusmesh.gateway.mcp;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.gateway.api.WorkflowStarter;
import io.nexusmesh.gateway.deploy.DeploymentRegistry;
import io.nexusmesh.gateway.panel.PanelToolWorkflows;
import io.nexusmesh.gateway.panel.ReachablePanel;
import io.nexusmesh.runtime.auth.Principal;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The tools a caller may run, whichever channel asks: MCP's {@code tools/list} and the tools an
 * agent is offered. The deployed workflows the caller's key may run (name = workflow id, schemas
 * from the spec), then the organisation's running panels' tools as {@code <panel>.<tool>} (for a
 * key limited to some workflows, only those it names).
 */
public final class ToolCatalog {
  /**
   * One tool.
   *
   * @param outputSchema null when the tool declares none
   */
  public record MeshTool(
      String name, String description, Struct inputSchema, @Nullable Struct outputSchema) {}

  private static final Struct ANY_OBJECT =
      Struct.newBuilder()
          .putFields("type", Value.newBuilder().setStringValue("object").build())
          .build();

  private final DeploymentRegistry deployments;

  public ToolCatalog(DeploymentRegistry deployments) {
    this.deployments = requireNonNull(deployments, "deployments");
  }

  /** The tools {@code caller} may run, workflows first. */
  public List<MeshTool> list(Principal caller) {
    List<MeshTool> tools = new ArrayList<>();
    for (DeployedWorkflow deployment : deployments.deployments(caller.org())) {
      if (!WorkflowStarter.mayRun(caller, deployment.getWorkflowId())) {
        continue;
      }
      var spec = deployment.getSpec();
      tools.add(
          new MeshTool(
              deployment.getWorkflowId(),
              deployment.getDescription().isEmpty()
                  ? "Runs the workflow "
                      + deployment.getWorkflowId()
                      + " (v"
                      + deployment.getVersion()
                      + ")."
                  : deployment.getDescription(),
              spec.hasInputSchema() ? spec.getInputSchema() : ANY_OBJECT,
              spec.hasOutputSchema() ? spec.getOutputSchema() : null));
    }
    for (ReachablePanel panel : deployments.panels(caller.org())) {
      for (var panelTool : panel.tools()) {
        String name = PanelToolWorkflows.toolName(panel.panel(), panelTool.getName());
        if (!WorkflowStarter.mayRunPanelTool(caller, name)) {
          continue;
        }
        tools.add(
            new MeshTool(
                name,
                panelTool.getDesc().isEmpty()
                    ? "Tool " + panelTool.getName() + " of panel " + panel.panel() + "."
                    : panelTool.getDesc(),
                panelTool.hasInputSchema() ? panelTool.getInputSchema() : ANY_OBJECT,
                null));
      }
    }
    return tools;
  }
}
