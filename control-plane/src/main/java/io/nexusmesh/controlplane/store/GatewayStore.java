package io.nexusmesh.controlplane.store;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.Gateway;
import io.nexusmesh.api.controlplane.v1.UsageRecord;
import io.nexusmesh.api.controlplane.v1.WorkflowUsage;
import io.nexusmesh.runtime.error.NexusException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Registered gateways and the usage they report. Health is not stored: it is derived from the last
 * heartbeat when gateways are read (see {@code GatewayHealthPolicy}).
 */
@Repository
public class GatewayStore {
  /** The most gateways an organisation's fleet is read with at once (rollouts, key refreshes). */
  public static final int MAX_LISTED = 10_000;

  private final JdbcClient jdbc;

  public GatewayStore(JdbcClient jdbc) {
    this.jdbc = requireNonNull(jdbc, "jdbc");
  }

  /**
   * A stored gateway, the time of its last heartbeat and the public key it registered for secrets
   * (empty when it takes none).
   */
  public record Row(Gateway gateway, Instant lastHeartbeat, byte[] secretsPublicKey) {}

  /** Adds a gateway, or refreshes a re-registering one (a registration counts as a heartbeat). */
  public Row upsert(
      String org,
      String id,
      Environment environment,
      String adminEndpoint,
      String buildVersion,
      byte[] secretsPublicKey,
      Instant now) {
    String publicKey = Base64.getEncoder().encodeToString(secretsPublicKey);
    int updated =
        jdbc.sql(
                """
                UPDATE gateways SET environment = ?, admin_endpoint = ?, build_version = ?,
                                    register_time = ?, last_heartbeat_time = ?,
                                    secrets_public_key = ?
                WHERE org = ? AND id = ?""")
            .params(
                environment.name(),
                adminEndpoint,
                buildVersion,
                WorkflowStore.time(now),
                WorkflowStore.time(now),
                publicKey,
                org,
                id)
            .update();
    if (updated == 0) {
      jdbc.sql(
              """
              INSERT INTO gateways (org, id, environment, admin_endpoint, build_version,
                                    register_time, last_heartbeat_time, applied_generation,
                                    secrets_public_key)
              VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)""")
          .params(
              org,
              id,
              environment.name(),
              adminEndpoint,
              buildVersion,
              WorkflowStore.time(now),
              WorkflowStore.time(now),
              publicKey)
          .update();
    }
    return find(org, id).orElseThrow();
  }

  /**
   * Records a heartbeat and the generations the gateway reported; NOT_FOUND for a gateway that
   * never registered.
   */
  public Row heartbeat(
      String org, String id, long appliedGeneration, long keyGeneration, Instant now) {
    int updated =
        jdbc.sql(
                """
                UPDATE gateways SET last_heartbeat_time = ?, applied_generation = ?,
                                    applied_key_generation = ?
                WHERE org = ? AND id = ?""")
            .params(WorkflowStore.time(now), appliedGeneration, keyGeneration, org, id)
            .update();
    if (updated == 0) {
      throw NexusException.notFound("gateway", id);
    }
    return find(org, id).orElseThrow();
  }

  /**
   * Records the key generation a gateway confirmed in a push's answer (never lowering it: answers
   * to pushes of older sets can arrive late).
   */
  public void confirmKeyGeneration(String org, String id, long keyGeneration) {
    jdbc.sql(
            """
            UPDATE gateways SET applied_key_generation = GREATEST(applied_key_generation, ?)
            WHERE org = ? AND id = ?""")
        .params(keyGeneration, org, id)
        .update();
  }

  /** The gateway, if the org has it. */
  public Optional<Row> find(String org, String id) {
    return jdbc.sql("SELECT * FROM gateways WHERE org = ? AND id = ?")
        .params(org, id)
        .query((rs, n) -> row(rs))
        .optional();
  }

  /** Up to {@code limit} gateways with ids after {@code afterId}, optionally of one environment. */
  public List<Row> list(String org, Environment environment, String afterId, int limit) {
    boolean any = environment == Environment.ENVIRONMENT_UNSPECIFIED;
    return jdbc.sql(
            """
            SELECT * FROM gateways WHERE org = ? AND id > ? AND (? OR environment = ?)
            ORDER BY id LIMIT ?""")
        .params(org, afterId, any, environment.name(), limit)
        .query((rs, n) -> row(rs))
        .list();
  }

  /** A gateway with the organisation it registered under. */
  public record OrgRow(String org, Row row) {}

  /**
   * Every organisation's gateways heard from since {@code since} (what the xDS server routes to),
   * at most {@code limit}, by org and id.
   */
  public List<OrgRow> heardSince(Instant since, int limit) {
    return jdbc.sql(
            "SELECT * FROM gateways WHERE last_heartbeat_time >= ? ORDER BY org, id LIMIT ?")
        .params(WorkflowStore.time(since), limit)
        .query((rs, n) -> new OrgRow(rs.getString("org"), row(rs)))
        .list();
  }

  /** Stores usage reported by a gateway. */
  public void addUsage(String org, String gatewayId, List<UsageRecord> records, Instant now) {
    for (UsageRecord record : records) {
      jdbc.sql(
              """
              INSERT INTO usage_records (org, gateway_id, workflow_id, executions, node_runs,
                                         total_duration_ms, start_time, end_time, report_time,
                                         model, prompt_tokens, completion_tokens)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
          .params(
              org,
              gatewayId,
              record.getWorkflowId(),
              record.getExecutions(),
              record.getNodeRuns(),
              record.getTotalDuration().getSeconds() * 1000
                  + record.getTotalDuration().getNanos() / 1_000_000,
              record.hasStartTime() ? WorkflowStore.time(instant(record.getStartTime())) : null,
              record.hasEndTime() ? WorkflowStore.time(instant(record.getEndTime())) : null,
              WorkflowStore.time(now),
              record.getModel(),
              record.getPromptTokens(),
              record.getCompletionTokens())
          .update();
    }
  }

  /**
   * The usage of {@code org} reported in [{@code from}, {@code to}), summed per workflow, most
   * executions first.
   */
  public List<WorkflowUsage> sumUsage(String org, Instant from, Instant to) {
    return jdbc.sql(
            """
            SELECT workflow_id, SUM(executions) AS executions, SUM(node_runs) AS node_runs,
                   SUM(total_duration_ms) AS total_duration_ms,
                   SUM(prompt_tokens) AS prompt_tokens, SUM(completion_tokens) AS completion_tokens
            FROM usage_records WHERE org = ? AND report_time >= ? AND report_time < ?
            GROUP BY workflow_id ORDER BY executions DESC, workflow_id LIMIT 1000""")
        .params(org, WorkflowStore.time(from), WorkflowStore.time(to))
        .query(
            (rs, n) -> {
              long millis = rs.getLong("total_duration_ms");
              return WorkflowUsage.newBuilder()
                  .setWorkflowId(rs.getString("workflow_id"))
                  .setExecutions(rs.getLong("executions"))
                  .setNodeRuns(rs.getLong("node_runs"))
                  .setTotalDuration(
                      com.google.protobuf.Duration.newBuilder()
                          .setSeconds(millis / 1000)
                          .setNanos((int) (millis % 1000) * 1_000_000))
                  .setPromptTokens(rs.getLong("prompt_tokens"))
                  .setCompletionTokens(rs.getLong("completion_tokens"))
                  .build();
            })
        .list();
  }

  private static Instant instant(com.google.protobuf.Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  private static Row row(ResultSet rs) throws SQLException {
    String id = rs.getString("id");
    Instant lastHeartbeat = rs.getObject("last_heartbeat_time", OffsetDateTime.class).toInstant();
    return new Row(
        Gateway.newBuilder()
            .setName("gateways/" + id)
            .setId(id)
            .setEnvironment(Environment.valueOf(rs.getString("environment")))
            .setAdminEndpoint(rs.getString("admin_endpoint"))
            .setBuildVersion(rs.getString("build_version"))
            .setRegisterTime(WorkflowStore.timestamp(rs, "register_time"))
            .setLastHeartbeatTime(WorkflowStore.timestamp(rs, "last_heartbeat_time"))
            .setAppliedKeyGeneration(rs.getLong("applied_key_generation"))
            .build(),
        lastHeartbeat,
        Base64.getDecoder().decode(rs.getString("secrets_public_key")));
  }
}
