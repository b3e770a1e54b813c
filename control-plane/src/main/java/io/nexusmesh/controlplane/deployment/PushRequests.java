package io.nexusmesh.controlplane.deployment;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.nexusmesh.api.controlplane.v1.CanaryState;
import io.nexusmesh.api.controlplane.v1.Deployment;
import io.nexusmesh.api.gateway.v1.ApplyDeploymentRequest;
import io.nexusmesh.api.gateway.v1.ApplyKeySetRequest;
import io.nexusmesh.api.gateway.v1.CanarySplit;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.api.gateway.v1.KeySet;
import io.nexusmesh.api.gateway.v1.PanelRoute;
import io.nexusmesh.api.gateway.v1.SealedSecret;
import io.nexusmesh.controlplane.panel.InvokeKeys;
import io.nexusmesh.controlplane.secret.SecretCipher;
import io.nexusmesh.controlplane.store.ApiKeyStore;
import io.nexusmesh.controlplane.store.DeploymentStore;
import io.nexusmesh.controlplane.store.EgressPolicyStore;
import io.nexusmesh.controlplane.store.GatewayStore;
import io.nexusmesh.controlplane.store.PanelStore;
import io.nexusmesh.controlplane.store.SecretStore;
import io.nexusmesh.controlplane.store.WorkflowStore;
import io.nexusmesh.runtime.secrets.SecretSealing;
import java.security.GeneralSecurityException;
import org.springframework.stereotype.Component;

/**
 * Builds what is pushed to one gateway from the store, as it is at the moment of building: a
 * deployment (its content fixed when it was made, so one generation always names one content) with
 * the organisation's current key set, or the key set alone. The key set is read before the
 * deployment so a push is never older in keys than the moment it was asked for.
 *
 * <p>A key set is the generation and API keys (read by one statement), then the egress policy and
 * the secrets, read after it: they can only be as new as the generation or newer, never older, and
 * a newer content under an older label is corrected by the push of the newer generation. Each
 * secret is decrypted here and sealed to the receiving gateway's public key, so the push carries no
 * value any other party can open; so is each running panel's invoke key.
 */
@Component
public class PushRequests {
  private final WorkflowStore workflows;
  private final ApiKeyStore apiKeys;
  private final EgressPolicyStore egress;
  private final SecretStore secrets;
  private final SecretCipher cipher;
  private final PanelStore panels;
  private final InvokeKeys invokeKeys;

  public PushRequests(
      WorkflowStore workflows,
      ApiKeyStore apiKeys,
      EgressPolicyStore egress,
      SecretStore secrets,
      SecretCipher cipher,
      PanelStore panels,
      InvokeKeys invokeKeys) {
    this.panels = requireNonNull(panels, "panels");
    this.invokeKeys = requireNonNull(invokeKeys, "invokeKeys");
    this.workflows = requireNonNull(workflows, "workflows");
    this.apiKeys = requireNonNull(apiKeys, "apiKeys");
    this.egress = requireNonNull(egress, "egress");
    this.secrets = requireNonNull(secrets, "secrets");
    this.cipher = requireNonNull(cipher, "cipher");
  }

  /** The push of a stored deployment to {@code gateway}, with its organisation's key set. */
  public ApplyDeploymentRequest deployment(DeploymentStore.Row row, GatewayStore.Row gateway) {
    var keySet = keySetFor(row.org(), gateway);
    Deployment d = row.deployment();
    var version = workflows.getVersion(row.org(), d.getWorkflowId(), d.getVersion());
    var deployed =
        DeployedWorkflow.newBuilder()
            .setDeploymentId(d.getId())
            .setOrg(row.org())
            .setWorkflowId(d.getWorkflowId())
            .setVersion(d.getVersion())
            .setDescription(row.description())
            .setSpec(version.getSpec());
    if (d.getCanary().getState() == CanaryState.CANARY_STATE_RUNNING) {
      long baseline = d.getCanary().getBaselineVersion();
      deployed.setCanary(
          CanarySplit.newBuilder()
              .setPercent(d.getCanary().getPolicy().getPercent())
              .setBaselineVersion(baseline)
              .setBaselineSpec(
                  workflows.getVersion(row.org(), d.getWorkflowId(), baseline).getSpec()));
    }
    return ApplyDeploymentRequest.newBuilder()
        .setGeneration(row.generation())
        .setKeySet(keySet)
        .setDeployment(deployed)
        .build();
  }

  /** The push of an organisation's key set alone to {@code gateway}. */
  public ApplyKeySetRequest keySet(String org, GatewayStore.Row gateway) {
    return ApplyKeySetRequest.newBuilder().setKeySet(keySetFor(org, gateway)).build();
  }

  private KeySet keySetFor(String org, GatewayStore.Row gateway) {
    var set = apiKeys.keySet(org).toBuilder().addAllEgressAllow(egress.destinations(org));
    byte[] publicKey = gateway.secretsPublicKey();
    if (publicKey.length == 0) {
      return set.build();
    }
    set.setSecretsRecipient(SecretSealing.fingerprint(publicKey));
    for (SecretStore.Row row : secrets.all(org)) {
      String name = row.secret().getName();
      long version = row.secret().getVersion();
      try {
        set.addSecrets(
            SealedSecret.newBuilder()
                .setName(name)
                .setVersion(version)
                .setCiphertext(
                    ByteString.copyFrom(
                        SecretSealing.seal(
                            publicKey,
                            org,
                            name,
                            version,
                            cipher.decrypt(org, name, row.ciphertext())))));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(
            "gateway " + gateway.gateway().getId() + " registered an unusable public key", e);
      }
    }
    for (PanelStore.Row row : panels.running(org)) {
      var instance = row.panel().getInstance();
      try {
        set.addPanels(
            PanelRoute.newBuilder()
                .setPanel(row.panel().getName())
                .setEndpoint(instance.getEndpoint())
                .addAllTools(instance.getToolsList())
                .setInstance(instance.getInstance())
                .setSealedInvokeKey(
                    ByteString.copyFrom(
                        SecretSealing.sealInvokeKey(
                            publicKey,
                            org,
                            row.panel().getName(),
                            instance.getInstance(),
                            invokeKeys.decrypt(
                                org, row.panel().getName(), row.encryptedInvokeKey())))));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(
            "gateway " + gateway.gateway().getId() + " registered an unusable public key", e);
      }
    }
    return set.build();
  }
}
