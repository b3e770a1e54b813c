package io.nexusmesh.controlplane.deployment;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.api.controlplane.v1.Deployment;
import io.nexusmesh.api.gateway.v1.ApplyDeploymentRequest;
import io.nexusmesh.api.gateway.v1.ApplyKeySetRequest;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.controlplane.store.ApiKeyStore;
import io.nexusmesh.controlplane.store.DeploymentStore;
import io.nexusmesh.controlplane.store.WorkflowStore;
import org.springframework.stereotype.Component;

/**
 * Builds what is pushed to gateways from the store, as it is at the moment of building: a
 * deployment (its content fixed when it was made, so one generation always names one content) with
 * the organisation's current key set, or the key set alone. The key set is read before the
 * deployment so a push is never older in keys than the moment it was asked for.
 */
@Component
public class PushRequests {
  private final WorkflowStore workflows;
  private final ApiKeyStore apiKeys;

  public PushRequests(WorkflowStore workflows, ApiKeyStore apiKeys) {
    this.workflows = requireNonNull(workflows, "workflows");
    this.apiKeys = requireNonNull(apiKeys, "apiKeys");
  }

  /** The push of a stored deployment, with its organisation's key set. */
  public ApplyDeploymentRequest deployment(DeploymentStore.Row row) {
    var keySet = apiKeys.keySet(row.org());
    Deployment d = row.deployment();
    var version = workflows.getVersion(row.org(), d.getWorkflowId(), d.getVersion());
    return ApplyDeploymentRequest.newBuilder()
        .setGeneration(row.generation())
        .setKeySet(keySet)
        .setDeployment(
            DeployedWorkflow.newBuilder()
                .setDeploymentId(d.getId())
                .setOrg(row.org())
                .setWorkflowId(d.getWorkflowId())
                .setVersion(d.getVersion())
                .setDescription(row.description())
                .setSpec(version.getSpec()))
        .build();
  }

  /** The push of an organisation's key set alone. */
  public ApplyKeySetRequest keySet(String org) {
    return ApplyKeySetRequest.newBuilder().setKeySet(apiKeys.keySet(org)).build();
  }
}
