package io.nexusmesh.gateway.deploy;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import io.nexusmesh.api.gateway.v1.ApiKeyHash;
import io.nexusmesh.api.gateway.v1.ApplyDeploymentRequest;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.gateway.engine.WorkflowCatalog;
import io.nexusmesh.runtime.auth.ApiKeyVerifier;
import io.nexusmesh.runtime.auth.ApiKeys;
import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.redisson.api.RMap;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.codec.CompositeCodec;

/**
 * What this gateway serves: the deployments the control plane pushed, indexed by organisation and
 * workflow, and the hashes of each organisation's API keys that came with them. Kept in memory for
 * the hot path and mirrored in Redis under the gateway's id, so a restarted gateway serves its
 * deployments even while the control plane is down. Pushes carry a generation; an older generation
 * than the one a workflow has is ignored, so a late retry cannot roll a workflow back.
 */
public final class DeploymentRegistry implements WorkflowCatalog, ApiKeyVerifier {
  private record KeyEntry(String org, ApiKeyHash hash) {}

  private final RMap<String, byte[]> mirror;
  private final Map<String, ApplyDeploymentRequest> byWorkflow = new ConcurrentHashMap<>();
  private volatile Map<String, KeyEntry> keys = Map.of();

  public DeploymentRegistry(RedissonClient redis, String gatewayId) {
    this.mirror =
        requireNonNull(redis, "redis")
            .getMap(
                "nx:gateway:{" + gatewayId + "}:deployments",
                new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE));
  }

  /** Loads what was deployed before a restart. */
  public void load() {
    mirror
        .readAllMap()
        .forEach(
            (k, bytes) -> {
              try {
                byWorkflow.put(k, ApplyDeploymentRequest.parseFrom(bytes));
              } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("deployment " + k + " is not readable", e);
              }
            });
    reindexKeys();
  }

  private static String key(String org, String workflowId) {
    return org + "/" + workflowId;
  }

  /** Installs a deployment unless a newer generation of the workflow is already here. */
  public synchronized long apply(ApplyDeploymentRequest request) {
    DeployedWorkflow d = request.getDeployment();
    String key = key(d.getOrg(), d.getWorkflowId());
    ApplyDeploymentRequest current = byWorkflow.get(key);
    if (current == null || current.getGeneration() <= request.getGeneration()) {
      mirror.fastPut(key, request.toByteArray());
      byWorkflow.put(key, request);
      reindexKeys();
    }
    return appliedGeneration();
  }

  /** Stops serving a workflow, unless it was deployed again by a newer generation. */
  public synchronized long remove(String org, String workflowId, long generation) {
    String key = key(org, workflowId);
    ApplyDeploymentRequest current = byWorkflow.get(key);
    if (current != null && current.getGeneration() <= generation) {
      mirror.fastRemove(key);
      byWorkflow.remove(key);
      reindexKeys();
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

  /** The deployments, optionally of one organisation. */
  public List<DeployedWorkflow> deployments(String org) {
    List<DeployedWorkflow> out = new ArrayList<>();
    byWorkflow.values().stream()
        .map(ApplyDeploymentRequest::getDeployment)
        .filter(d -> org.isEmpty() || d.getOrg().equals(org))
        .sorted(
            java.util.Comparator.comparing(DeployedWorkflow::getOrg)
                .thenComparing(DeployedWorkflow::getWorkflowId))
        .forEach(out::add);
    return out;
  }

  @Override
  public Optional<DeployedWorkflow> find(String org, String workflowId) {
    ApplyDeploymentRequest request = byWorkflow.get(key(org, workflowId));
    return request == null ? Optional.empty() : Optional.of(request.getDeployment());
  }

  @Override
  public Optional<Principal> verify(String presentedKey) {
    Optional<String> id = ApiKeys.idOf(presentedKey);
    if (id.isEmpty()) {
      return Optional.empty();
    }
    KeyEntry entry = keys.get(id.get());
    if (entry == null || !ApiKeys.matches(presentedKey, entry.hash().getSha256())) {
      return Optional.empty();
    }
    return Optional.of(
        new Principal(
            "apikey:" + id.get(),
            entry.org(),
            Set.of(),
            Set.of(Audiences.GATEWAY),
            PrincipalKind.API_KEY,
            Set.copyOf(entry.hash().getAllowedWorkflowIdsList())));
  }

  /**
   * Each push carries its organisation's full set of active keys: the newest push of an org decides
   * which of its keys work (so a revoked key stops working with the next push).
   */
  private void reindexKeys() {
    Map<String, ApplyDeploymentRequest> newestPerOrg = new java.util.HashMap<>();
    for (ApplyDeploymentRequest r : byWorkflow.values()) {
      newestPerOrg.merge(
          r.getDeployment().getOrg(), r, (a, b) -> a.getGeneration() >= b.getGeneration() ? a : b);
    }
    Map<String, KeyEntry> index = new java.util.HashMap<>();
    newestPerOrg.forEach(
        (org, r) ->
            r.getDeployment()
                .getApiKeysList()
                .forEach(h -> index.put(h.getKeyId(), new KeyEntry(org, h))));
    keys = Map.copyOf(index);
  }
}
