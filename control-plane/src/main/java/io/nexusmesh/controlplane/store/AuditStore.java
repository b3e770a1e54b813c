package io.nexusmesh.controlplane.store;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.api.controlplane.v1.AuditEvent;
import io.nexusmesh.api.controlplane.v1.AuditOutcome;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The audit trail in SQL: appended in the transaction of each change, listed newest first. */
@Repository
public class AuditStore {
  private final JdbcClient jdbc;

  public AuditStore(JdbcClient jdbc) {
    this.jdbc = requireNonNull(jdbc, "jdbc");
  }

  /** Appends an event and returns it with its id and time. */
  public AuditEvent append(
      String org,
      String actor,
      String action,
      String resource,
      String requestId,
      AuditOutcome outcome,
      Instant now) {
    String id = UUID.randomUUID().toString();
    jdbc.sql(
            """
            INSERT INTO audit_events (id, event_time, org, actor, action, resource, request_id,
                                      outcome)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
        .params(
            id, WorkflowStore.time(now), org, actor, action, resource, requestId, outcome.name())
        .update();
    return AuditEvent.newBuilder()
        .setId(id)
        .setTime(WorkflowStore.toTimestamp(now))
        .setOrg(org)
        .setActor(actor)
        .setAction(action)
        .setResource(resource)
        .setRequestId(requestId)
        .setOutcome(outcome)
        .build();
  }

  /** A filter over the trail; empty strings and null times match everything. */
  public record Filter(
      String actor,
      String action,
      String resource,
      @Nullable Instant startTime,
      @Nullable Instant endTime) {}

  /** A stored event with its position in the trail (page tokens continue below it). */
  public record Row(long seq, AuditEvent event) {}

  /** Up to {@code limit} events of {@code org} older than {@code beforeSeq}, newest first. */
  public List<Row> list(String org, Filter filter, long beforeSeq, int limit) {
    var sql = new StringBuilder("SELECT * FROM audit_events WHERE org = :org AND seq < :before");
    if (!filter.actor().isEmpty()) {
      sql.append(" AND actor = :actor");
    }
    if (!filter.action().isEmpty()) {
      sql.append(" AND action = :action");
    }
    if (!filter.resource().isEmpty()) {
      sql.append(" AND resource = :resource");
    }
    if (filter.startTime() != null) {
      sql.append(" AND event_time >= :start");
    }
    if (filter.endTime() != null) {
      sql.append(" AND event_time < :end");
    }
    sql.append(" ORDER BY seq DESC LIMIT :limit");
    var statement =
        jdbc.sql(sql.toString()).param("org", org).param("before", beforeSeq).param("limit", limit);
    if (!filter.actor().isEmpty()) {
      statement = statement.param("actor", filter.actor());
    }
    if (!filter.action().isEmpty()) {
      statement = statement.param("action", filter.action());
    }
    if (!filter.resource().isEmpty()) {
      statement = statement.param("resource", filter.resource());
    }
    if (filter.startTime() != null) {
      statement = statement.param("start", WorkflowStore.time(filter.startTime()));
    }
    if (filter.endTime() != null) {
      statement = statement.param("end", WorkflowStore.time(filter.endTime()));
    }
    return statement.query((rs, n) -> new Row(rs.getLong("seq"), event(rs))).list();
  }

  private static AuditEvent event(ResultSet rs) throws SQLException {
    return AuditEvent.newBuilder()
        .setId(rs.getString("id"))
        .setTime(WorkflowStore.timestamp(rs, "event_time"))
        .setOrg(rs.getString("org"))
        .setActor(rs.getString("actor"))
        .setAction(rs.getString("action"))
        .setResource(rs.getString("resource"))
        .setRequestId(rs.getString("request_id"))
        .setOutcome(AuditOutcome.valueOf(rs.getString("outcome")))
        .build();
  }
}
