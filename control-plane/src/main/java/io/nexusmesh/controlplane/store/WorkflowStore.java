package io.nexusmesh.controlplane.store;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowVersion;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.runtime.error.NexusException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Workflows and their immutable versions, in SQL. Every query is scoped by organisation; a workflow
 * of another organisation is indistinguishable from a missing one. Callers run these inside a
 * transaction (see {@link Mutations}).
 */
@Repository
public class WorkflowStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<TreeMap<String, String>> LABELS = new TypeReference<>() {};

  private final JdbcClient jdbc;

  public WorkflowStore(JdbcClient jdbc) {
    this.jdbc = requireNonNull(jdbc, "jdbc");
  }

  /** Inserts a new workflow; ALREADY_EXISTS if the org has one with the same id. */
  public Workflow insert(String org, Workflow workflow, Instant now) {
    try {
      jdbc.sql(
              """
              INSERT INTO workflows (org, id, display_name, description, labels_json,
                                     latest_version, revision, create_time, update_time)
              VALUES (?, ?, ?, ?, ?, 0, 1, ?, ?)""")
          .params(
              org,
              workflow.getId(),
              workflow.getDisplayName(),
              workflow.getDescription(),
              labelsJson(workflow.getLabelsMap()),
              time(now),
              time(now))
          .update();
    } catch (DuplicateKeyException e) {
      throw NexusException.alreadyExists("workflow", workflow.getId());
    }
    return find(org, workflow.getId()).orElseThrow();
  }

  /** The workflow, if the org has it. */
  public Optional<Workflow> find(String org, String id) {
    return jdbc.sql("SELECT * FROM workflows WHERE org = ? AND id = ?")
        .params(org, id)
        .query((rs, n) -> workflow(rs))
        .optional();
  }

  /** The workflow, or NOT_FOUND. */
  public Workflow get(String org, String id) {
    return find(org, id).orElseThrow(() -> NexusException.notFound("workflow", id));
  }

  /** Up to {@code limit} workflows with ids after {@code afterId}, in id order. */
  public List<Workflow> list(String org, String afterId, int limit) {
    return jdbc.sql("SELECT * FROM workflows WHERE org = ? AND id > ? ORDER BY id LIMIT ?")
        .params(org, afterId, limit)
        .query((rs, n) -> workflow(rs))
        .list();
  }

  /**
   * Replaces the mutable fields of a workflow if its revision is still {@code expectedRevision}
   * (any revision when empty); ABORTED on a stale etag, NOT_FOUND when missing.
   */
  public Workflow update(
      String org,
      String id,
      OptionalLong expectedRevision,
      String displayName,
      String description,
      Map<String, String> labels,
      Instant now) {
    int updated =
        jdbc.sql(
                """
                UPDATE workflows SET display_name = ?, description = ?, labels_json = ?,
                                     revision = revision + 1, update_time = ?
                WHERE org = ? AND id = ? AND (? OR revision = ?)""")
            .params(
                displayName,
                description,
                labelsJson(labels),
                time(now),
                org,
                id,
                expectedRevision.isEmpty(),
                expectedRevision.orElse(0))
            .update();
    if (updated == 0) {
      throw missingOrStale(org, id);
    }
    return get(org, id);
  }

  /** Deletes a workflow and its versions, with the same etag rule as {@link #update}. */
  public void delete(String org, String id, OptionalLong expectedRevision) {
    int deleted =
        jdbc.sql("DELETE FROM workflows WHERE org = ? AND id = ? AND (? OR revision = ?)")
            .params(org, id, expectedRevision.isEmpty(), expectedRevision.orElse(0))
            .update();
    if (deleted == 0) {
      throw missingOrStale(org, id);
    }
  }

  /**
   * Stores the workflow's next version. Taking the number bumps the workflow row, which locks it
   * until the transaction ends, so concurrent creates get consecutive numbers.
   */
  public WorkflowVersion insertVersion(
      String org,
      String workflowId,
      WorkflowSpec spec,
      String digest,
      String description,
      String creator,
      Instant now) {
    int bumped =
        jdbc.sql(
                """
                UPDATE workflows SET latest_version = latest_version + 1, revision = revision + 1,
                                     update_time = ?
                WHERE org = ? AND id = ?""")
            .params(time(now), org, workflowId)
            .update();
    if (bumped == 0) {
      throw NexusException.notFound("workflow", workflowId);
    }
    long version = get(org, workflowId).getLatestVersion();
    jdbc.sql(
            """
            INSERT INTO workflow_versions (org, workflow_id, version, spec, spec_digest,
                                           description, creator, create_time)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
        .params(
            org, workflowId, version, spec.toByteArray(), digest, description, creator, time(now))
        .update();
    return getVersion(org, workflowId, version);
  }

  /** One version, or NOT_FOUND. */
  public WorkflowVersion getVersion(String org, String workflowId, long version) {
    return jdbc.sql(
            "SELECT * FROM workflow_versions WHERE org = ? AND workflow_id = ? AND version = ?")
        .params(org, workflowId, version)
        .query((rs, n) -> version(rs))
        .optional()
        .orElseThrow(() -> NexusException.notFound("workflow version", workflowId + "/" + version));
  }

  /** Up to {@code limit} versions older than {@code beforeVersion}, newest first. */
  public List<WorkflowVersion> listVersions(
      String org, String workflowId, long beforeVersion, int limit) {
    return jdbc.sql(
            """
            SELECT * FROM workflow_versions WHERE org = ? AND workflow_id = ? AND version < ?
            ORDER BY version DESC LIMIT ?""")
        .params(org, workflowId, beforeVersion, limit)
        .query((rs, n) -> version(rs))
        .list();
  }

  private NexusException missingOrStale(String org, String id) {
    if (find(org, id).isEmpty()) {
      return NexusException.notFound("workflow", id);
    }
    return NexusException.of(
        ErrorReason.ERROR_REASON_ETAG_MISMATCH,
        "workflow '" + id + "' changed since it was read; get it again and retry");
  }

  private static Workflow workflow(ResultSet rs) throws SQLException {
    String id = rs.getString("id");
    return Workflow.newBuilder()
        .setName("workflows/" + id)
        .setId(id)
        .setDisplayName(rs.getString("display_name"))
        .setDescription(rs.getString("description"))
        .putAllLabels(labels(rs.getString("labels_json")))
        .setLatestVersion(rs.getLong("latest_version"))
        .setEtag(Etags.of(rs.getLong("revision")))
        .setCreateTime(timestamp(rs, "create_time"))
        .setUpdateTime(timestamp(rs, "update_time"))
        .build();
  }

  private static WorkflowVersion version(ResultSet rs) throws SQLException {
    String workflowId = rs.getString("workflow_id");
    long version = rs.getLong("version");
    try {
      return WorkflowVersion.newBuilder()
          .setName("workflows/" + workflowId + "/versions/" + version)
          .setWorkflowId(workflowId)
          .setVersion(version)
          .setSpec(WorkflowSpec.parseFrom(rs.getBytes("spec")))
          .setSpecDigest(rs.getString("spec_digest").trim())
          .setDescription(rs.getString("description"))
          .setCreator(rs.getString("creator"))
          .setCreateTime(timestamp(rs, "create_time"))
          .build();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored spec of " + workflowId + "/" + version, e);
    }
  }

  static OffsetDateTime time(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }

  static Timestamp timestamp(ResultSet rs, String column) throws SQLException {
    return toTimestamp(rs.getObject(column, OffsetDateTime.class).toInstant());
  }

  static Timestamp toTimestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }

  private static String labelsJson(Map<String, String> labels) {
    try {
      return JSON.writeValueAsString(new TreeMap<>(labels));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> labels(String json) {
    try {
      return JSON.readValue(json, LABELS);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored labels are not JSON", e);
    }
  }
}
