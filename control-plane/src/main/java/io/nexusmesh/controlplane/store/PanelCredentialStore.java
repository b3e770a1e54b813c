package io.nexusmesh.controlplane.store;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Panel credentials by id, as hashes with their panel and expiry. */
@Component
public class PanelCredentialStore {
  private final JdbcClient jdbc;

  public PanelCredentialStore(JdbcClient jdbc) {
    this.jdbc = requireNonNull(jdbc, "jdbc");
  }

  /** A stored credential. */
  public record Row(String id, String org, String panel, String sha256, Instant expireTime) {}

  /** Stores a new credential and drops the panel's expired ones. */
  public void insert(
      String id, String org, String panel, String sha256, Instant now, Instant expireTime) {
    jdbc.sql("DELETE FROM panel_credentials WHERE org = ? AND panel = ? AND expire_time < ?")
        .params(org, panel, WorkflowStore.time(now))
        .update();
    jdbc.sql(
            """
            INSERT INTO panel_credentials (id, org, panel, sha256, create_time, expire_time)
            VALUES (?, ?, ?, ?, ?, ?)""")
        .params(id, org, panel, sha256, WorkflowStore.time(now), WorkflowStore.time(expireTime))
        .update();
  }

  /** The credential with this id, if any. */
  public Optional<Row> find(String id) {
    return jdbc.sql("SELECT * FROM panel_credentials WHERE id = ?")
        .params(id)
        .query(
            (rs, n) ->
                new Row(
                    rs.getString("id"),
                    rs.getString("org"),
                    rs.getString("panel"),
                    rs.getString("sha256").trim(),
                    rs.getObject("expire_time", java.time.OffsetDateTime.class).toInstant()))
        .optional();
  }
}
