package io.nexusmesh.controlplane.egress;

import static io.nexusmesh.controlplane.Unary.reply;
import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.server.annotation.Blocking;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.controlplane.v1.EgressPolicyServiceGrpc;
import io.nexusmesh.api.controlplane.v1.EgressRule;
import io.nexusmesh.api.controlplane.v1.GetEgressPolicyRequest;
import io.nexusmesh.api.controlplane.v1.GetEgressPolicyResponse;
import io.nexusmesh.api.controlplane.v1.UpdateEgressPolicyRequest;
import io.nexusmesh.api.controlplane.v1.UpdateEgressPolicyResponse;
import io.nexusmesh.controlplane.authz.Authz;
import io.nexusmesh.controlplane.authz.Permission;
import io.nexusmesh.controlplane.deployment.RolloutPusher;
import io.nexusmesh.controlplane.store.ApiKeyStore;
import io.nexusmesh.controlplane.store.EgressPolicyStore;
import io.nexusmesh.controlplane.store.Etags;
import io.nexusmesh.controlplane.store.Mutations;
import io.nexusmesh.controlplane.store.Mutations.Change;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.FieldViolation;
import io.nexusmesh.runtime.error.NexusException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * {@code nexus.controlplane.v1.EgressPolicyService}: where an organisation's workflows may send
 * requests beyond the public internet. Every rule is parsed here with the gateways' own parser
 * ({@link io.nexusmesh.runtime.egress.EgressRule}), so a rule a gateway could not read, or one that
 * tries to open link-local addresses, is refused with a field violation. An update advances the
 * organisation's key generation in its transaction and is then pushed to its gateways.
 */
@Component
@Blocking
public class EgressPolicyGrpcService extends EgressPolicyServiceGrpc.EgressPolicyServiceImplBase {
  private final EgressPolicyStore store;
  private final ApiKeyStore generations;
  private final Mutations mutations;
  private final RolloutPusher pusher;

  public EgressPolicyGrpcService(
      EgressPolicyStore store, ApiKeyStore generations, Mutations mutations, RolloutPusher pusher) {
    this.store = requireNonNull(store, "store");
    this.generations = requireNonNull(generations, "generations");
    this.mutations = requireNonNull(mutations, "mutations");
    this.pusher = requireNonNull(pusher, "pusher");
  }

  @Override
  public void getEgressPolicy(
      GetEgressPolicyRequest request, StreamObserver<GetEgressPolicyResponse> response) {
    Principal caller = Authz.require(Permission.EGRESS_READ);
    reply(
        response, GetEgressPolicyResponse.newBuilder().setPolicy(store.get(caller.org())).build());
  }

  @Override
  public void updateEgressPolicy(
      UpdateEgressPolicyRequest request, StreamObserver<UpdateEgressPolicyResponse> response) {
    Principal caller = Authz.require(Permission.EGRESS_MANAGE);
    List<EgressRule> rules = check(request.getAllowList());
    var expected = Etags.revisionOf("etag", request.getEtag());
    generations.ensureGeneration(caller.org());
    reply(
        response,
        mutations.run(
            caller,
            EgressPolicyServiceGrpc.getUpdateEgressPolicyMethod().getFullMethodName(),
            request.getRequestId(),
            UpdateEgressPolicyResponse.parser(),
            now -> {
              var policy = store.replace(caller.org(), expected, rules, caller.subject(), now);
              generations.advanceGeneration(caller.org());
              return new Change<>(
                  UpdateEgressPolicyResponse.newBuilder().setPolicy(policy).build(),
                  policy.getName());
            }));
    pusher.refreshKeys(caller.org());
  }

  /** The rules, each parsed and written as given; INVALID_ARGUMENT naming every bad one. */
  private static List<EgressRule> check(List<EgressRule> rules) {
    List<FieldViolation> problems = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    List<EgressRule> out = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      String field = "allow[" + i + "].destination";
      String destination = rules.get(i).getDestination().strip();
      try {
        io.nexusmesh.runtime.egress.EgressRule.parse(destination);
      } catch (IllegalArgumentException e) {
        problems.add(new FieldViolation(field, e.getMessage()));
        continue;
      }
      if (!seen.add(destination.toLowerCase(java.util.Locale.ROOT))) {
        problems.add(new FieldViolation(field, "\"" + destination + "\" is listed twice"));
        continue;
      }
      out.add(rules.get(i).toBuilder().setDestination(destination).build());
    }
    if (!problems.isEmpty()) {
      throw NexusException.invalidArgument(problems);
    }
    return out;
  }
}
