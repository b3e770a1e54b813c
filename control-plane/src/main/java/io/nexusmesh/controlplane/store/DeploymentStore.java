package io.nexusmesh.controlplane.store;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.api.controlplane.v1.CanaryPolicy;
import io.nexusmesh.api.controlplane.v1.CanaryState;
import io.nexusmesh.api.controlplane.v1.CanaryStatus;
import io.nexusmesh.api.controlplane.v1.Deployment;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.GatewayRollout;
import io.nexusmesh.api.controlplane.v1.RolloutState;
import io.nexusmesh.runtime.error.NexusException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
  private final CanaryStatsStore canaryStats;

  public DeploymentStore(JdbcClient jdbc, CanaryStatsStore canaryStats) {
    this.jdbc = requireNonNull(jdbc, "jdbc");
    this.canaryStats = requireNonNull(canaryStats, "canaryStats");
  }

  /**
   * A stored deployment: its generation, the workflow description it pushes (fixed when it was
   * made), and whether a newer one replaced it.
   */
  public record Row(
      long generation, String org, Deployment deployment, String description, boolean superseded) {}

  /**
   * Inserts a deployment as the current one of its workflow and environment, superseding the one
   * before, with a PENDING rollout for each of {@code gatewayIds}. With a {@code canary} policy
   * (not the default instance) the version before becomes its baseline; the caller checked there is
   * one, and that it is another version.
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
      CanaryPolicy canary,
      Instant now) {
    long previous =
        current(org, workflowId, environment).map(r -> r.deployment().getVersion()).orElse(0L);
    boolean isCanary = canary.getPercent() > 0;
    jdbc.sql(
            """
            UPDATE deployments SET superseded = TRUE, update_time = ?
            WHERE org = ? AND workflow_id = ? AND environment = ? AND superseded = FALSE""")
        .params(WorkflowStore.time(now), org, workflowId, environment.name())
        .update();
    jdbc.sql(
            """
            INSERT INTO deployments (org, id, workflow_id, version, environment, previous_version,
                                     description, superseded, creator, create_time, update_time,
                                     canary_percent, canary_max_error_rate, canary_min_executions,
                                     canary_state)
            VALUES (?, ?, ?, ?, ?, ?, ?, FALSE, ?, ?, ?, ?, ?, ?, ?)""")
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
            WorkflowStore.time(now),
            canary.getPercent(),
            canary.getMaxErrorRate(),
            canary.getMinExecutions(),
            isCanary ? CanaryState.CANARY_STATE_RUNNING.name() : "")
        .update();
    if (isCanary) {
      canaryStats.open(org, id, previous, version);
    }
    for (String gatewayId : gatewayIds) {
      upsertRollout(org, id, gatewayId, RolloutState.ROLLOUT_STATE_PENDING, "", 0, now);
    }
    return find(org, id).orElseThrow();
  }

  /**
   * Ends a deployment's canary as {@code state}, replaced by deployment {@code successor}; false
   * when it was not running (ended already).
   */
  public boolean endCanary(
      String org, String id, CanaryState state, String reason, String successor, Instant now) {
    String shortReason = reason.length() > 1000 ? reason.substring(0, 1000) : reason;
    return jdbc.sql(
                """
                UPDATE deployments SET canary_state = ?, canary_reason = ?, canary_successor = ?,
                                       update_time = ?
                WHERE org = ? AND id = ? AND canary_state = ?""")
            .params(
                state.name(),
                shortReason,
                successor,
                WorkflowStore.time(now),
                org,
                id,
                CanaryState.CANARY_STATE_RUNNING.name())
            .update()
        == 1;
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

  /**
   * The running canaries of an environment: deployment id by workflow id. (Rows, not a single row
   * per workflow: a reader racing a deployment's commit may briefly see it beside the row it
   * supersedes.)
   */
  public Map<String, String> runningCanaries(String org, Environment environment) {
    Map<String, String> byWorkflow = new HashMap<>();
    jdbc.sql(
            """
            SELECT workflow_id, id FROM deployments
            WHERE org = ? AND environment = ? AND superseded = FALSE AND canary_state = ?""")
        .params(org, environment.name(), CanaryState.CANARY_STATE_RUNNING.name())
        .query(
            rs -> {
              byWorkflow.putIfAbsent(rs.getString("workflow_id"), rs.getString("id"));
            });
    return byWorkflow;
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
    Deployment.Builder deployment = Deployment.newBuilder();
    if (rs.getInt("canary_percent") > 0) {
      deployment.setCanary(
          CanaryStatus.newBuilder()
              .setPolicy(
                  CanaryPolicy.newBuilder()
                      .setPercent(rs.getInt("canary_percent"))
                      .setMaxErrorRate(rs.getDouble("canary_max_error_rate"))
                      .setMinExecutions(rs.getLong("canary_min_executions")))
              .setState(CanaryState.valueOf(rs.getString("canary_state")))
              .setBaselineVersion(rs.getLong("previous_version"))
              .setReason(rs.getString("canary_reason"))
              .setSuccessorDeploymentId(rs.getString("canary_successor")));
    }
    return new Row(
        rs.getLong("seq"),
        rs.getString("org"),
        deployment
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
    Deployment.Builder deployment = row.deployment().toBuilder();
    if (deployment.hasCanary()) {
      String id = row.deployment().getId();
      deployment
          .getCanaryBuilder()
          .addVersions(
              canaryStats.stats(row.org(), id, deployment.getCanary().getBaselineVersion()))
          .addVersions(canaryStats.stats(row.org(), id, row.deployment().getVersion()));
    }
    return new Row(
        row.generation(),
        row.org(),
        deployment.addAllGateways(rollouts).setState(overall(row.superseded(), rollouts)).build(),
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
