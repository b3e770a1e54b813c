package io.nexusmesh.controlplane.store;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.controlplane.v1.EgressPolicy;
import io.nexusmesh.api.controlplane.v1.EgressRule;
import io.nexusmesh.runtime.error.NexusException;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Each organisation's allowed egress destinations, in the order its admins gave them, with a
 * revision for etags. An organisation that never set one has the default policy (revision 0).
 */
@Component
public class EgressPolicyStore {
  private final JdbcClient jdbc;

  public EgressPolicyStore(JdbcClient jdbc) {
    this.jdbc = requireNonNull(jdbc, "jdbc");
  }

  /** The org's policy. */
  public EgressPolicy get(String org) {
    var policy = EgressPolicy.newBuilder().setName("egressPolicy").setEtag(Etags.of(0));
    jdbc.sql("SELECT revision, updater, update_time FROM egress_policies WHERE org = ?")
        .params(org)
        .query(
            rs -> {
              policy
                  .setEtag(Etags.of(rs.getLong("revision")))
                  .setUpdater(rs.getString("updater"))
                  .setUpdateTime(WorkflowStore.timestamp(rs, "update_time"));
            });
    return policy.addAllAllow(rules(org)).build();
  }

  /** The org's allowed destinations, in order. */
  public List<String> destinations(String org) {
    return rules(org).stream().map(EgressRule::getDestination).toList();
  }

  /** The org's revision (0 when it never set a policy). */
  public long revision(String org) {
    return jdbc.sql("SELECT revision FROM egress_policies WHERE org = ?")
        .params(org)
        .query(Long.class)
        .optional()
        .orElse(0L);
  }

  /**
   * Replaces the org's rules and advances its revision; returns the policy as it now is. With an
   * {@code expectedRevision}, fails with ABORTED ({@code ETAG_MISMATCH}) unless the policy is still
   * at it.
   */
  public EgressPolicy replace(
      String org,
      OptionalLong expectedRevision,
      List<EgressRule> rules,
      String updater,
      Instant now) {
    long current = revision(org);
    if (expectedRevision.isPresent() && expectedRevision.getAsLong() != current) {
      throw mismatch();
    }
    int updated =
        jdbc.sql(
                """
                UPDATE egress_policies SET revision = revision + 1, updater = ?, update_time = ?
                WHERE org = ? AND revision = ?""")
            .params(updater, WorkflowStore.time(now), org, current)
            .update();
    if (updated == 0 && current != 0) {
      // Another change committed between the read and the update.
      throw mismatch();
    }
    if (updated == 0) {
      jdbc.sql(
              """
              INSERT INTO egress_policies (org, revision, updater, update_time)
              VALUES (?, 1, ?, ?)""")
          .params(org, updater, WorkflowStore.time(now))
          .update();
    }
    jdbc.sql("DELETE FROM egress_rules WHERE org = ?").params(org).update();
    for (int i = 0; i < rules.size(); i++) {
      jdbc.sql(
              """
              INSERT INTO egress_rules (org, position, destination, description)
              VALUES (?, ?, ?, ?)""")
          .params(org, i, rules.get(i).getDestination(), rules.get(i).getDescription())
          .update();
    }
    return get(org);
  }

  private static NexusException mismatch() {
    return NexusException.of(
        ErrorReason.ERROR_REASON_ETAG_MISMATCH,
        "the egress policy changed since it was read; read it again and retry");
  }

  private List<EgressRule> rules(String org) {
    return jdbc.sql(
            "SELECT destination, description FROM egress_rules WHERE org = ? ORDER BY position")
        .params(org)
        .query(
            (rs, n) ->
                EgressRule.newBuilder()
                    .setDestination(rs.getString(1))
                    .setDescription(rs.getString(2))
                    .build())
        .list();
  }
}
