package io.nexusmesh.gateway.deploy;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.gateway.v1.ApplyDeploymentRequest;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.api.gateway.v1.KeySet;
import io.nexusmesh.api.gateway.v1.KeySetState;
import io.nexusmesh.gateway.engine.OrgAccess;
import io.nexusmesh.gateway.engine.WorkflowCatalog;
import io.nexusmesh.runtime.auth.ApiKeyVerifier;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.egress.EgressPolicy;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.runtime.secrets.SecretSealing;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.codec.CompositeCodec;

/**
 * What this gateway serves: the deployments the control plane pushed, indexed by organisation and
 * workflow, and each organisation's API key set (see {@link KeySets}). Kept in memory for the hot
 * path and mirrored in Redis under the gateway's id, so a restarted gateway serves its deployments
 * even while the control plane is down.
 *
 * <p>Deployments carry a generation: an older one than a workflow has is ignored, so a late retry
 * cannot roll a workflow back; the same generation again is a no-op when its content is the same
 * and refused when it differs, since one generation names exactly one content.
 */
public final class DeploymentRegistry implements WorkflowCatalog, ApiKeyVerifier, OrgAccess {
  private volatile io.nexusmesh.gateway.panel.@org.jspecify.annotations.Nullable JavaTools
      javaTools;

  /** What a push left in place: the workflow's generation and the org's key generation. */
  public record Applied(long generation, long keyGeneration) {}

  private final Mirror<ApplyDeploymentRequest> mirror;
  private final KeySets keySets;
  private final SecretSealing.Recipient recipient;
  private final Map<String, ApplyDeploymentRequest> byWorkflow = new ConcurrentHashMap<>();

  /**
   * @param recipient this run's key pair, which the organisations' secrets are sealed to
   * @param mesh the mesh's own endpoints, which no policy opens
   */
  public DeploymentRegistry(
      RedissonClient redis,
      String gatewayId,
      SecretSealing.Recipient recipient,
      EgressPolicy.MeshEndpoints mesh) {
    var codec = new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE);
    requireNonNull(redis, "redis");
    this.recipient = requireNonNull(recipient, "recipient");
    this.mirror =
        new Mirror<>(
            redis.getMap("nx:gateway:{" + gatewayId + "}:deployments", codec),
            ApplyDeploymentRequest.parser());
    this.keySets =
        new KeySets(redis.getMap("nx:gateway:{" + gatewayId + "}:keysets", codec), recipient, mesh);
  }

  /** The public key this run's secrets and panel invoke keys are sealed to. */
  public byte[] secretsPublicKey() {
    return recipient.publicKey();
  }

  /** Loads what was deployed before a restart. */
  public void load() {
    byWorkflow.putAll(mirror.readAll());
    keySets.load();
  }

  private static String key(String org, String workflowId) {
    return org + "/" + workflowId;
  }

  /**
   * Applies the push's key set (unless older than the one held) and installs its deployment (unless
   * the workflow has a newer generation); FAILED_PRECONDITION when the workflow already has this
   * generation with other content.
   */
  public synchronized Applied apply(ApplyDeploymentRequest request) {
    DeployedWorkflow d = request.getDeployment();
    if (!request.getKeySet().getOrg().equals(d.getOrg())) {
      throw NexusException.invalidArgument(
          "key_set.org", "must be the deployment's organisation (" + d.getOrg() + ")");
    }
    String key = key(d.getOrg(), d.getWorkflowId());
    ApplyDeploymentRequest current = byWorkflow.get(key);
    if (current != null
        && current.getGeneration() == request.getGeneration()
        && !current.getDeployment().equals(d)) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_FAILED_PRECONDITION,
          "generation "
              + request.getGeneration()
              + " of "
              + key
              + " is already applied with other content");
    }
    long keyGeneration = keySets.apply(request.getKeySet());
    if (current == null || current.getGeneration() < request.getGeneration()) {
      // The key set lives on its own; the mirrored deployment does not repeat it.
      ApplyDeploymentRequest stored = request.toBuilder().clearKeySet().build();
      mirror.put(key, stored);
      byWorkflow.put(key, stored);
      current = stored;
    }
    return new Applied(current.getGeneration(), keyGeneration);
  }

  /** Holds {@code keySet} unless the one held is as new; returns the key generation held. */
  public long applyKeySet(KeySet keySet) {
    return keySets.apply(keySet);
  }

  /** Stops serving a workflow, unless it was deployed again by a newer generation. */
  public synchronized long remove(String org, String workflowId, long generation) {
    String key = key(org, workflowId);
    ApplyDeploymentRequest current = byWorkflow.get(key);
    if (current != null && current.getGeneration() <= generation) {
      mirror.remove(key);
      byWorkflow.remove(key);
    }
    return appliedGeneration();
  }

  /** The newest generation applied. */
  public long appliedGeneration() {
    return byWorkflow.values().stream()
        .mapToLong(ApplyDeploymentRequest::getGeneration)
        .max()
        .orElse(0);
  }

  /** The ids of the deployments served. */
  public List<String> deploymentIds() {
    return byWorkflow.values().stream()
        .map(r -> r.getDeployment().getDeploymentId())
        .sorted()
        .toList();
  }

  /** The key generation held per organisation. */
  public Map<String, Long> keyGenerations() {
    return keySets.generations();
  }

  /** The key sets held, without their hashes, optionally of one organisation. */
  public List<KeySetState> keySets(String org) {
    return keySets.states(org);
  }

  /** The deployments, optionally of one organisation. */
  public List<DeployedWorkflow> deployments(String org) {
    return byWorkflow.values().stream()
        .map(ApplyDeploymentRequest::getDeployment)
        .filter(d -> org.isEmpty() || d.getOrg().equals(org))
        .sorted(
            Comparator.comparing(DeployedWorkflow::getOrg)
                .thenComparing(DeployedWorkflow::getWorkflowId))
        .toList();
  }

  @Override
  public Optional<DeployedWorkflow> find(String org, String workflowId) {
    ApplyDeploymentRequest request = byWorkflow.get(key(org, workflowId));
    return request == null ? Optional.empty() : Optional.of(request.getDeployment());
  }

  @Override
  public EgressPolicy egressPolicy(String org) {
    return keySets.policy(org);
  }

  @Override
  public SecretLookup secret(String org, String name) {
    return keySets.secret(org, name);
  }

  @Override
  public java.util.Optional<io.nexusmesh.gateway.panel.ReachablePanel> panel(
      String org, String name) {
    var java = javaTools;
    if (java != null && name.equals(io.nexusmesh.gateway.panel.JavaTools.PANEL)) {
      var local = java.panel(org);
      if (local.isPresent()) {
        return local;
      }
    }
    return keySets.panel(org, name);
  }

  @Override
  public List<io.nexusmesh.gateway.panel.ReachablePanel> panels(String org) {
    var java = javaTools;
    var pushed = keySets.panels(org);
    if (java == null || java.panel(org).isEmpty()) {
      return pushed;
    }
    var all = new java.util.ArrayList<io.nexusmesh.gateway.panel.ReachablePanel>();
    all.add(java.panel(org).get());
    pushed.stream()
        .filter(p -> !p.panel().equals(io.nexusmesh.gateway.panel.JavaTools.PANEL))
        .forEach(all::add);
    return all;
  }

  /** Serves {@code tools} as the organisation's {@code java} panel (an embedded gateway's). */
  public void javaTools(io.nexusmesh.gateway.panel.JavaTools tools) {
    this.javaTools = tools;
  }

  @Override
  public Optional<Principal> verify(String presentedKey) {
    return keySets.verify(presentedKey);
  }
}
