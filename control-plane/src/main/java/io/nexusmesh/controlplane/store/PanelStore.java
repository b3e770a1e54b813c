package io.nexusmesh.controlplane.store;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import io.nexusmesh.api.controlplane.v1.Panel;
import io.nexusmesh.api.controlplane.v1.PanelInstance;
import io.nexusmesh.api.controlplane.v1.PanelMode;
import io.nexusmesh.api.controlplane.v1.PanelPhase;
import io.nexusmesh.api.controlplane.v1.PanelStatus;
import io.nexusmesh.api.sidecar.v1.Manifest;
import io.nexusmesh.api.sidecar.v1.ManifestState;
import io.nexusmesh.api.sidecar.v1.Tool;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Panel records and their running instances (at most one per panel, as its sidecar last reported
 * it). An instance's invoke key is stored as the ciphertext the caller hands in; this class never
 * sees the key itself.
 */
@Component
public class PanelStore {
  private static final String SELECT =
      """
      SELECT p.*, i.instance, i.endpoint, i.tools, i.manifest_state, i.message, i.invoke_key,
             i.start_time, i.last_seen_time
      FROM panels p LEFT JOIN panel_instances i ON i.org = p.org AND i.panel = p.name
      """;

  private final JdbcClient jdbc;

  public PanelStore(JdbcClient jdbc) {
    this.jdbc = requireNonNull(jdbc, "jdbc");
  }

  /** A stored panel: the record (with its instance) and the instance's encrypted invoke key. */
  public record Row(String org, Panel panel, byte[] encryptedInvokeKey) {
    /** Whether the panel has a running instance. */
    public boolean running() {
      return panel.hasInstance();
    }
  }

  /** What a sidecar reports of its instance. */
  public record Report(
      String instance,
      String endpoint,
      List<Tool> tools,
      ManifestState state,
      String message,
      byte[] encryptedInvokeKey) {
    public Report {
      requireNonNull(instance, "instance");
      requireNonNull(endpoint, "endpoint");
      tools = List.copyOf(tools);
      requireNonNull(state, "state");
      requireNonNull(message, "message");
      requireNonNull(encryptedInvokeKey, "encryptedInvokeKey");
    }
  }

  /** Inserts a panel, started; false when the org already has one of that name. */
  public boolean insert(
      String org,
      String name,
      PanelMode mode,
      String description,
      String image,
      String creator,
      Instant now) {
    if (find(org, name).isPresent()) {
      return false;
    }
    jdbc.sql(
            """
            INSERT INTO panels (org, name, mode, description, image, creator, create_time)
            VALUES (?, ?, ?, ?, ?, ?, ?)""")
        .params(org, name, mode.name(), description, image, creator, WorkflowStore.time(now))
        .update();
    return true;
  }

  /** Sets whether the panel should run; false when the org has no such panel. */
  public boolean setStarted(String org, String name, boolean started) {
    return jdbc.sql("UPDATE panels SET started = ? WHERE org = ? AND name = ?")
            .params(started, org, name)
            .update()
        == 1;
  }

  /**
   * Records what the panel manager saw of the panel on the cluster, unless that is what is held;
   * returns whether it changed anything. {@code status}'s update time is ignored: {@code now} is.
   */
  public boolean writeStatus(String org, String name, PanelStatus status, Instant now) {
    return jdbc.sql(
                """
                UPDATE panels SET status_phase = ?, status_pod = ?, status_revision = ?,
                                  status_url = ?, status_error = ?, status_time = ?
                WHERE org = ? AND name = ?
                  AND NOT (status_phase = ? AND status_pod = ? AND status_revision = ?
                           AND status_url = ? AND status_error = ?)""")
            .params(
                status.getPhase().name(),
                status.getPod(),
                status.getRevision(),
                status.getUrl(),
                status.getLastError(),
                WorkflowStore.time(now),
                org,
                name,
                status.getPhase().name(),
                status.getPod(),
                status.getRevision(),
                status.getUrl(),
                status.getLastError())
            .update()
        == 1;
  }

  /**
   * Up to {@code limit} panels of every org that run on Kubernetes (those with an image), after
   * {@code (afterOrg, afterName)}, by org and name: what the panel manager reconciles.
   */
  public List<Row> withImage(String afterOrg, String afterName, int limit) {
    return jdbc.sql(
            SELECT
                + """
                 WHERE p.image <> '' AND (p.org > ? OR (p.org = ? AND p.name > ?))
                ORDER BY p.org, p.name LIMIT ?""")
        .params(afterOrg, afterOrg, afterName, limit)
        .query((rs, n) -> row(rs))
        .list();
  }

  /** The panel, if the org has it. */
  public Optional<Row> find(String org, String name) {
    return jdbc.sql(SELECT + " WHERE p.org = ? AND p.name = ?")
        .params(org, name)
        .query((rs, n) -> row(rs))
        .optional();
  }

  /** Up to {@code limit} panels of the org with names after {@code afterName}, by name. */
  public List<Row> list(String org, String afterName, int limit) {
    return jdbc.sql(SELECT + " WHERE p.org = ? AND p.name > ? ORDER BY p.name LIMIT ?")
        .params(org, afterName, limit)
        .query((rs, n) -> row(rs))
        .list();
  }

  /** The org's panels that have a running instance (what its gateways route to), by name. */
  public List<Row> running(String org) {
    return jdbc.sql(SELECT + " WHERE p.org = ? AND i.instance IS NOT NULL ORDER BY p.name")
        .params(org)
        .query((rs, n) -> row(rs))
        .list();
  }

  /** Every organisation's panels that have a running instance, at most {@code limit}. */
  public List<Row> allRunning(int limit) {
    return jdbc.sql(SELECT + " WHERE i.instance IS NOT NULL ORDER BY p.org, p.name LIMIT ?")
        .params(limit)
        .query((rs, n) -> row(rs))
        .list();
  }

  /** Deletes the panel, its instance and its credentials; returns what it was. */
  public Optional<Row> delete(String org, String name) {
    Optional<Row> existing = find(org, name);
    if (existing.isPresent()) {
      jdbc.sql("DELETE FROM panel_credentials WHERE org = ? AND panel = ?")
          .params(org, name)
          .update();
      jdbc.sql("DELETE FROM panel_instances WHERE org = ? AND panel = ?")
          .params(org, name)
          .update();
      jdbc.sql("DELETE FROM panels WHERE org = ? AND name = ?").params(org, name).update();
    }
    return existing;
  }

  /**
   * Whether a report changes nothing gateways route by (same instance, endpoint, tools, state and
   * message): then it is a heartbeat.
   */
  public static boolean sameRoute(PanelInstance held, Report report) {
    return held.getInstance().equals(report.instance())
        && held.getEndpoint().equals(report.endpoint())
        && held.getToolsList().equals(report.tools())
        && held.getManifestState() == report.state()
        && held.getMessage().equals(report.message());
  }

  /** Moves the instance's last-seen time (a heartbeat); false when it is not {@code instance}. */
  public boolean touch(String org, String panel, String instance, Instant now) {
    return jdbc.sql(
                """
                UPDATE panel_instances SET last_seen_time = ?
                WHERE org = ? AND panel = ? AND instance = ?""")
            .params(WorkflowStore.time(now), org, panel, instance)
            .update()
        == 1;
  }

  /**
   * Records the panel's instance as reported, replacing the one held (if any); {@code startTime} is
   * when this instance first reported.
   */
  public void report(String org, String panel, Report report, Instant startTime, Instant now) {
    jdbc.sql("DELETE FROM panel_instances WHERE org = ? AND panel = ?").params(org, panel).update();
    jdbc.sql(
            """
            INSERT INTO panel_instances (org, panel, instance, endpoint, tools, manifest_state,
                                         message, invoke_key, start_time, last_seen_time)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
        .params(
            org,
            panel,
            report.instance(),
            report.endpoint(),
            Manifest.newBuilder().addAllTools(report.tools()).build().toByteArray(),
            report.state().name(),
            report.message(),
            report.encryptedInvokeKey(),
            WorkflowStore.time(startTime),
            WorkflowStore.time(now))
        .update();
  }

  /** Withdraws the panel's instance if it is {@code instance}; returns whether it was. */
  public boolean withdraw(String org, String panel, String instance) {
    return jdbc.sql("DELETE FROM panel_instances WHERE org = ? AND panel = ? AND instance = ?")
            .params(org, panel, instance)
            .update()
        == 1;
  }

  /** Withdraws every instance not seen since {@code cutoff}; returns the orgs that lost one. */
  public List<String> withdrawSilentSince(Instant cutoff) {
    List<String> orgs =
        jdbc.sql("SELECT DISTINCT org FROM panel_instances WHERE last_seen_time < ?")
            .params(WorkflowStore.time(cutoff))
            .query(String.class)
            .list();
    if (!orgs.isEmpty()) {
      jdbc.sql("DELETE FROM panel_instances WHERE last_seen_time < ?")
          .params(WorkflowStore.time(cutoff))
          .update();
    }
    return orgs;
  }

  private static Row row(ResultSet rs) throws SQLException {
    String name = rs.getString("name");
    Panel.Builder panel =
        Panel.newBuilder()
            .setResourceName("panels/" + name)
            .setName(name)
            .setMode(PanelMode.valueOf(rs.getString("mode")))
            .setDescription(rs.getString("description"))
            .setCreateTime(WorkflowStore.timestamp(rs, "create_time"))
            .setCreator(rs.getString("creator"))
            .setImage(rs.getString("image"))
            .setStarted(rs.getBoolean("started"));
    if (!panel.getImage().isEmpty()) {
      PanelStatus.Builder status =
          PanelStatus.newBuilder()
              .setPhase(PanelPhase.valueOf(rs.getString("status_phase")))
              .setPod(rs.getString("status_pod"))
              .setRevision(rs.getString("status_revision"))
              .setUrl(rs.getString("status_url"))
              .setLastError(rs.getString("status_error"));
      if (rs.getObject("status_time") != null) {
        status.setUpdateTime(WorkflowStore.timestamp(rs, "status_time"));
      }
      panel.setStatus(status);
    }
    byte[] invokeKey = new byte[0];
    String instance = rs.getString("instance");
    if (instance != null) {
      try {
        panel.setInstance(
            PanelInstance.newBuilder()
                .setInstance(instance)
                .setEndpoint(rs.getString("endpoint"))
                .addAllTools(Manifest.parseFrom(rs.getBytes("tools")).getToolsList())
                .setManifestState(ManifestState.valueOf(rs.getString("manifest_state")))
                .setMessage(rs.getString("message"))
                .setStartTime(WorkflowStore.timestamp(rs, "start_time"))
                .setLastSeenTime(WorkflowStore.timestamp(rs, "last_seen_time")));
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("panel " + name + " has unreadable tools", e);
      }
      invokeKey = rs.getBytes("invoke_key");
    }
    return new Row(rs.getString("org"), panel.build(), invokeKey);
  }
}
