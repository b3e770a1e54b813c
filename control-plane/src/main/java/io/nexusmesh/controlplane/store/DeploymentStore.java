package io.nexusmesh.controlplane.store;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.api.controlplane.v1.Deployment;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.GatewayRollout;
import io.nexusmesh.api.controlplane.v1.RolloutState;
import io.nexusmesh.runtime.error.NexusException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Deployments and their per-gateway rollout state, in SQL, scoped by organisation. A deployment is
 * current until a newer deployment of the same workflow and environment supersedes it; its sequence
 * number is the generation pushed to gateways.
 */
@Repository
public class DeploymentStore {
  private final JdbcClient jdbc;

  public DeploymentStore(JdbcClient jdbc) {
    this.jdbc = requireNonNull(jdbc, "jdbc");
  }

  /**
   * A stored deployment: its generation, the workflow description it pushes (fixed when it was
   * made), and whether a newer one replaced it.
   */
  public record Row(
      long generation, String org, Deployment deployment, String description, boolean superseded) {}

  /**
   * Inserts a deployment as the current one of its workflow and environment, superseding the one
   * before, with a PENDING rollout for each of {@code gatewayIds}.
   */
  public Row insert(
      String org,
      String id,
      String workflowId,
      long version,
      Environment environment,
      String description,
      String creator,
      List<String> gatewayIds,
      Instant now) {
    long previous =
        current(org, workflowId, environment).map(r -> r.deployment().getVersion()).orElse(0L);
    jdbc.sql(
            """
            UPDATE deployments SET superseded = TRUE, update_time = ?
            WHERE org = ? AND workflow_id = ? AND environment = ? AND superseded = FALSE""")
        .params(WorkflowStore.time(now), org, workflowId, environment.name())
        .update();
    jdbc.sql(
            """
            INSERT INTO deployments (org, id, workflow_id, version, environment, previous_version,
                                     description, superseded, creator, create_time, update_time)
            VALUES (?, ?, ?, ?, ?, ?, ?, FALSE, ?, ?, ?)""")
        .params(
            org,
            id,
            workflowId,
            version,
            environment.name(),
            previous,
            description,
            creator,
            WorkflowStore.time(now),
            WorkflowStore.time(now))
        .update();
    for (String gatewayId : gatewayIds) {
      upsertRollout(org, id, gatewayId, RolloutState.ROLLOUT_STATE_PENDING, "", 0, now);
    }
    return find(org, id).orElseThrow();
  }

  /** The current deployment of a workflow in an environment. */
  public Optional<Row> current(String org, String workflowId, Environment environment) {
    return jdbc.sql(
            """
            SELECT * FROM deployments
            WHERE org = ? AND workflow_id = ? AND environment = ? AND superseded = FALSE""")
        .params(org, workflowId, environment.name())
        .query((rs, n) -> bare(rs))
        .optional()
        .map(this::withRollouts);
  }

  /** Every current deployment of an environment (what its gateways should serve). */
  public List<Row> currentIn(String org, Environment environment) {
    return jdbc
        .sql(
            """
            SELECT * FROM deployments WHERE org = ? AND environment = ? AND superseded = FALSE
            ORDER BY workflow_id""")
        .params(org, environment.name())
        .query((rs, n) -> bare(rs))
        .list()
        .stream()
        .map(this::withRollouts)
        .toList();
  }

  /** Every current deployment of the organisation, in every environment. */
  public List<Row> currentAll(String org) {
    return jdbc
        .sql("SELECT * FROM deployments WHERE org = ? AND superseded = FALSE ORDER BY seq")
        .params(org)
        .query((rs, n) -> bare(rs))
        .list()
        .stream()
        .map(this::withRollouts)
        .toList();
  }

  /** The deployment, if the org has it. */
  public Optional<Row> find(String org, String id) {
    return jdbc.sql("SELECT * FROM deployments WHERE org = ? AND id = ?")
        .params(org, id)
        .query((rs, n) -> bare(rs))
        .optional()
        .map(this::withRollouts);
  }

  /** The deployment, or NOT_FOUND. */
  public Row get(String org, String id) {
    return find(org, id).orElseThrow(() -> NexusException.notFound("deployment", id));
  }

  /** Up to {@code limit} deployments below position {@code beforeSeq}, newest first, filtered. */
  public List<Row> list(
      String org, String workflowId, Environment environment, long beforeSeq, int limit) {
    boolean anyWorkflow = workflowId.isEmpty();
    boolean anyEnvironment = environment == Environment.ENVIRONMENT_UNSPECIFIED;
    return jdbc
        .sql(
            """
            SELECT * FROM deployments
            WHERE org = ? AND seq < ? AND (? OR workflow_id = ?) AND (? OR environment = ?)
            ORDER BY seq DESC LIMIT ?""")
        .params(org, beforeSeq, anyWorkflow, workflowId, anyEnvironment, environment.name(), limit)
        .query((rs, n) -> bare(rs))
        .list()
        .stream()
        .map(this::withRollouts)
        .toList();
  }

  /** Sets the rollout state of a deployment on one gateway (adding the row if missing). */
  public void upsertRollout(
      String org,
      String deploymentId,
      String gatewayId,
      RolloutState state,
      String reason,
      int attempts,
      Instant now) {
    String shortReason = reason.length() > 1000 ? reason.substring(0, 1000) : reason;
    int updated =
        jdbc.sql(
                """
                UPDATE deployment_rollouts SET state = ?, reason = ?, attempts = ?, update_time = ?
                WHERE org = ? AND deployment_id = ? AND gateway_id = ?""")
            .params(
                state.name(),
                shortReason,
                attempts,
                WorkflowStore.time(now),
                org,
                deploymentId,
                gatewayId)
            .update();
    if (updated == 0) {
      jdbc.sql(
              """
              INSERT INTO deployment_rollouts (org, deployment_id, gateway_id, state, reason,
                                               attempts, update_time)
              VALUES (?, ?, ?, ?, ?, ?, ?)""")
          .params(
              org,
              deploymentId,
              gatewayId,
              state.name(),
              shortReason,
              attempts,
              WorkflowStore.time(now))
          .update();
    }
    jdbc.sql("UPDATE deployments SET update_time = ? WHERE org = ? AND id = ?")
        .params(WorkflowStore.time(now), org, deploymentId)
        .update();
  }

  /** The newest generation a gateway of {@code environment} should serve (0 when none). */
  public long desiredGeneration(String org, Environment environment) {
    return jdbc.sql(
            """
            SELECT COALESCE(MAX(seq), 0) FROM deployments
            WHERE org = ? AND environment = ? AND superseded = FALSE""")
        .params(org, environment.name())
        .query(Long.class)
        .single();
  }

  private Row bare(ResultSet rs) throws SQLException {
    String id = rs.getString("id");
    return new Row(
        rs.getLong("seq"),
        rs.getString("org"),
        Deployment.newBuilder()
            .setName("deployments/" + id)
            .setId(id)
            .setWorkflowId(rs.getString("workflow_id"))
            .setVersion(rs.getLong("version"))
            .setEnvironment(Environment.valueOf(rs.getString("environment")))
            .setPreviousVersion(rs.getLong("previous_version"))
            .setCreator(rs.getString("creator"))
            .setCreateTime(WorkflowStore.timestamp(rs, "create_time"))
            .setUpdateTime(WorkflowStore.timestamp(rs, "update_time"))
            .build(),
        rs.getString("description"),
        rs.getBoolean("superseded"));
  }

  private Row withRollouts(Row row) {
    List<GatewayRollout> rollouts =
        jdbc.sql(
                """
                SELECT * FROM deployment_rollouts WHERE org = ? AND deployment_id = ?
                ORDER BY gateway_id""")
            .params(row.org(), row.deployment().getId())
            .query(
                (rs, n) ->
                    GatewayRollout.newBuilder()
                        .setGatewayId(rs.getString("gateway_id"))
                        .setState(RolloutState.valueOf(rs.getString("state")))
                        .setReason(rs.getString("reason"))
                        .setAttempts(rs.getInt("attempts"))
                        .setUpdateTime(WorkflowStore.timestamp(rs, "update_time"))
                        .build())
            .list();
    return new Row(
        row.generation(),
        row.org(),
        row.deployment().toBuilder()
            .addAllGateways(rollouts)
            .setState(overall(row.superseded(), rollouts))
            .build(),
        row.description(),
        row.superseded());
  }

  private static RolloutState overall(boolean superseded, List<GatewayRollout> rollouts) {
    if (superseded) {
      return RolloutState.ROLLOUT_STATE_SUPERSEDED;
    }
    if (rollouts.isEmpty()) {
      return RolloutState.ROLLOUT_STATE_PENDING;
    }
    if (rollouts.stream().anyMatch(r -> r.getState() == RolloutState.ROLLOUT_STATE_FAILED)) {
      return RolloutState.ROLLOUT_STATE_FAILED;
    }
    return rollouts.stream().allMatch(r -> r.getState() == RolloutState.ROLLOUT_STATE_ACTIVE)
        ? RolloutState.ROLLOUT_STATE_ACTIVE
        : RolloutState.ROLLOUT_STATE_PENDING;
  }
}
