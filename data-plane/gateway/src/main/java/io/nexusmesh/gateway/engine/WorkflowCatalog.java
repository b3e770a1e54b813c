package io.nexusmesh.gateway.engine;

import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import java.util.Optional;

/** The workflows this gateway serves, as deployed by the control plane. */
@FunctionalInterface
public interface WorkflowCatalog {
  /** The deployment of {@code workflowId} for {@code org}, if there is one. */
  Optional<DeployedWorkflow> find(String org, String workflowId);
}
