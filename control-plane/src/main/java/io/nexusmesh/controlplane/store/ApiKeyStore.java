package io.nexusmesh.controlplane.store;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusmesh.api.controlplane.v1.ApiKey;
import io.nexusmesh.api.controlplane.v1.ApiKeyState;
import io.nexusmesh.api.gateway.v1.ApiKeyHash;
import io.nexusmesh.api.gateway.v1.KeySet;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Data-plane API keys per organisation, stored as SHA-256 hashes, never as secrets, and each
 * organisation's key generation, which every change to its keys advances.
 */
@Repository
public class ApiKeyStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<List<String>> IDS = new TypeReference<>() {};

  private final JdbcClient jdbc;

  public ApiKeyStore(JdbcClient jdbc) {
    this.jdbc = requireNonNull(jdbc, "jdbc");
  }

  /** A stored key with its position in the list (page tokens continue below it). */
  public record Row(long seq, ApiKey key) {}

  /** Stores a new active key by its hash. */
  public ApiKey insert(
      String org,
      String id,
      String sha256,
      String displayName,
      List<String> allowedWorkflowIds,
      String creator,
      Instant now) {
    jdbc.sql(
            """
            INSERT INTO api_keys (org, id, display_name, sha256, allowed_workflows_json, state,
                                  creator, create_time)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
        .params(
            org,
            id,
            displayName,
            sha256,
            toJson(allowedWorkflowIds),
            ApiKeyState.API_KEY_STATE_ACTIVE.name(),
            creator,
            WorkflowStore.time(now))
        .update();
    return find(org, id).orElseThrow();
  }

  /** The key, if the org has it. */
  public Optional<ApiKey> find(String org, String id) {
    return jdbc.sql("SELECT * FROM api_keys WHERE org = ? AND id = ?")
        .params(org, id)
        .query((rs, n) -> key(rs))
        .optional();
  }

  /**
   * Up to {@code limit} keys of the org created before position {@code beforeSeq}, newest first.
   */
  public List<Row> list(String org, long beforeSeq, int limit) {
    return jdbc.sql("SELECT * FROM api_keys WHERE org = ? AND seq < ? ORDER BY seq DESC LIMIT ?")
        .params(org, beforeSeq, limit)
        .query((rs, n) -> new Row(rs.getLong("seq"), key(rs)))
        .list();
  }

  /**
   * Marks a key revoked (keeping the first revocation time); empty when the org has no such key.
   */
  public Optional<ApiKey> revoke(String org, String id, Instant now) {
    jdbc.sql(
            """
            UPDATE api_keys SET state = ?, revoke_time = ?
            WHERE org = ? AND id = ? AND revoke_time IS NULL""")
        .params(ApiKeyState.API_KEY_STATE_REVOKED.name(), WorkflowStore.time(now), org, id)
        .update();
    return find(org, id);
  }

  /**
   * Makes sure the org has a key generation row, so that {@link #advanceGeneration} inside a
   * change's transaction only ever updates (two first changes racing to insert it would abort one
   * transaction on PostgreSQL). Runs outside any transaction; a concurrent insert is harmless.
   */
  public void ensureGeneration(String org) {
    try {
      jdbc.sql(
              """
              INSERT INTO key_generations (org, generation)
              SELECT ?, 0 WHERE NOT EXISTS (SELECT 1 FROM key_generations WHERE org = ?)""")
          .params(org, org)
          .update();
    } catch (DuplicateKeyException e) {
      // Another call inserted it first.
    }
  }

  /**
   * Advances the org's key generation; call it in the transaction of every change to its keys so
   * the change and its generation commit together (the row lock orders concurrent changes).
   */
  public long advanceGeneration(String org) {
    int updated =
        jdbc.sql("UPDATE key_generations SET generation = generation + 1 WHERE org = ?")
            .params(org)
            .update();
    if (updated == 0) {
      throw new IllegalStateException("no key generation row for " + org + ": ensure it first");
    }
    return generation(org);
  }

  /** The org's current key generation; 0 when it never had a key. */
  public long generation(String org) {
    return jdbc.sql("SELECT generation FROM key_generations WHERE org = ?")
        .params(org)
        .query(Long.class)
        .optional()
        .orElse(0L);
  }

  /**
   * The org's active keys and the key generation they belong to, read by one statement so the two
   * always match (a set labelled with a generation never misses that generation's change).
   */
  public KeySet keySet(String org) {
    var set = KeySet.newBuilder().setOrg(org);
    jdbc.sql(
            """
            SELECT g.generation, k.id, k.sha256, k.allowed_workflows_json
            FROM key_generations g
            LEFT JOIN api_keys k ON k.org = g.org AND k.state = ?
            WHERE g.org = ?
            ORDER BY k.id""")
        .params(ApiKeyState.API_KEY_STATE_ACTIVE.name(), org)
        .query(
            rs -> {
              set.setGeneration(rs.getLong(1));
              if (rs.getString(2) != null) {
                set.addApiKeys(
                    ApiKeyHash.newBuilder()
                        .setKeyId(rs.getString(2))
                        .setSha256(rs.getString(3).trim())
                        .addAllAllowedWorkflowIds(fromJson(rs.getString(4))));
              }
            });
    return set.build();
  }

  private static ApiKey key(ResultSet rs) throws SQLException {
    String id = rs.getString("id");
    var key =
        ApiKey.newBuilder()
            .setName("apiKeys/" + id)
            .setId(id)
            .setDisplayName(rs.getString("display_name"))
            .addAllAllowedWorkflowIds(fromJson(rs.getString("allowed_workflows_json")))
            .setState(ApiKeyState.valueOf(rs.getString("state")))
            .setCreator(rs.getString("creator"))
            .setCreateTime(WorkflowStore.timestamp(rs, "create_time"));
    if (rs.getObject("revoke_time", OffsetDateTime.class) != null) {
      key.setRevokeTime(WorkflowStore.timestamp(rs, "revoke_time"));
    }
    return key.build();
  }

  private static String toJson(List<String> ids) {
    try {
      return JSON.writeValueAsString(ids);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> fromJson(String json) {
    try {
      return JSON.readValue(json, IDS);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored workflow ids are not JSON", e);
    }
  }
}
