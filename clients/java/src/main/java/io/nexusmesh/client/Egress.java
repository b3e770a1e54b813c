package io.nexusmesh.client;

import io.nexusmesh.api.controlplane.v1.EgressPolicy;
import io.nexusmesh.api.controlplane.v1.EgressPolicyServiceGrpc;
import io.nexusmesh.api.controlplane.v1.EgressRule;
import io.nexusmesh.api.controlplane.v1.GetEgressPolicyRequest;
import io.nexusmesh.api.controlplane.v1.UpdateEgressPolicyRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The egress policy of the caller's organisation: where its workflows may send requests beyond the
 * public internet.
 */
public final class Egress {
  private final Endpoint endpoint;

  Egress(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  private EgressPolicyServiceGrpc.EgressPolicyServiceBlockingStub stub() {
    return endpoint.unary(EgressPolicyServiceGrpc.newBlockingStub(endpoint.channel()));
  }

  /** The policy. */
  public EgressPolicy get() {
    return stub().getEgressPolicy(GetEgressPolicyRequest.getDefaultInstance()).getPolicy();
  }

  /**
   * Adds {@code destination} to the allowed ones (admins), unless it is there; refuses with ABORTED
   * if someone changed the policy in between.
   */
  public EgressPolicy allow(String destination, String description) {
    EgressPolicy current = get();
    if (current.getAllowList().stream().anyMatch(r -> r.getDestination().equals(destination))) {
      return current;
    }
    List<EgressRule> rules = new ArrayList<>(current.getAllowList());
    rules.add(
        EgressRule.newBuilder().setDestination(destination).setDescription(description).build());
    return update(current, rules);
  }

  /** Removes {@code destination} from the allowed ones (admins); unchanged when it is not there. */
  public EgressPolicy remove(String destination) {
    EgressPolicy current = get();
    List<EgressRule> rules =
        current.getAllowList().stream()
            .filter(r -> !r.getDestination().equals(destination))
            .toList();
    return rules.size() == current.getAllowCount() ? current : update(current, rules);
  }

  private EgressPolicy update(EgressPolicy current, List<EgressRule> rules) {
    return stub()
        .updateEgressPolicy(
            UpdateEgressPolicyRequest.newBuilder()
                .addAllAllow(rules)
                .setEtag(current.getEtag())
                .setRequestId(UUID.randomUUID().toString())
                .build())
        .getPolicy();
  }
}
