package io.nexusmesh.controlplane.store;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.api.controlplane.v1.Secret;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The organisations' secrets, as ciphertext only (see {@code SecretCipher}): this class never sees
 * a value. Each row remembers the keyset key that encrypted it, so a key rotation can find the rows
 * to re-encrypt.
 */
@Component
public class SecretStore {
  private final JdbcClient jdbc;

  public SecretStore(JdbcClient jdbc) {
    this.jdbc = requireNonNull(jdbc, "jdbc");
  }

  /** A stored secret: its metadata, its ciphertext and the id of the key that made it. */
  public record Row(String org, Secret secret, byte[] ciphertext, long keyId) {}

  /** The secret, if the org has it. */
  public Optional<Row> find(String org, String name) {
    return jdbc.sql("SELECT * FROM secrets WHERE org = ? AND name = ?")
        .params(org, name)
        .query((rs, n) -> row(rs))
        .optional();
  }

  /** Up to {@code limit} secrets of the org with names after {@code afterName}, by name. */
  public List<Row> list(String org, String afterName, int limit) {
    return jdbc.sql("SELECT * FROM secrets WHERE org = ? AND name > ? ORDER BY name LIMIT ?")
        .params(org, afterName, limit)
        .query((rs, n) -> row(rs))
        .list();
  }

  /** All of the org's secrets, by name (what its gateways receive). */
  public List<Row> all(String org) {
    return jdbc.sql("SELECT * FROM secrets WHERE org = ? ORDER BY name")
        .params(org)
        .query((rs, n) -> row(rs))
        .list();
  }

  /** Creates the secret at version 1 or gives it a new value and the next version. */
  public Row put(
      String org, String name, byte[] ciphertext, long keyId, String updater, Instant now) {
    String text = Base64.getEncoder().encodeToString(ciphertext);
    int updated =
        jdbc.sql(
                """
                UPDATE secrets SET version = version + 1, ciphertext = ?, key_id = ?,
                                   update_time = ?, updater = ?
                WHERE org = ? AND name = ?""")
            .params(text, keyId, WorkflowStore.time(now), updater, org, name)
            .update();
    if (updated == 0) {
      jdbc.sql(
              """
              INSERT INTO secrets (org, name, version, ciphertext, key_id, create_time,
                                   update_time, updater)
              VALUES (?, ?, 1, ?, ?, ?, ?, ?)""")
          .params(org, name, text, keyId, WorkflowStore.time(now), WorkflowStore.time(now), updater)
          .update();
    }
    return find(org, name).orElseThrow();
  }

  /** Deletes the secret; returns what it was. */
  public Optional<Row> delete(String org, String name) {
    Optional<Row> existing = find(org, name);
    existing.ifPresent(
        r -> jdbc.sql("DELETE FROM secrets WHERE org = ? AND name = ?").params(org, name).update());
    return existing;
  }

  /**
   * Up to {@code limit} secrets (of any org) encrypted by a key other than {@code keyId}, in (org,
   * name) order after {@code afterOrg}/{@code afterName} (empty strings: from the start).
   */
  public List<Row> notEncryptedWith(long keyId, String afterOrg, String afterName, int limit) {
    return jdbc.sql(
            """
            SELECT * FROM secrets WHERE key_id <> ? AND (org > ? OR (org = ? AND name > ?))
            ORDER BY org, name LIMIT ?""")
        .params(keyId, afterOrg, afterOrg, afterName, limit)
        .query((rs, n) -> row(rs))
        .list();
  }

  /**
   * Replaces a secret's ciphertext with one of the same value under another key, unless the secret
   * changed since it was read (its version moved on); returns whether it replaced it.
   */
  public boolean reencrypt(String org, String name, long version, byte[] ciphertext, long keyId) {
    return jdbc.sql(
                """
                UPDATE secrets SET ciphertext = ?, key_id = ?
                WHERE org = ? AND name = ? AND version = ?""")
            .params(Base64.getEncoder().encodeToString(ciphertext), keyId, org, name, version)
            .update()
        == 1;
  }

  private static Row row(ResultSet rs) throws SQLException {
    String name = rs.getString("name");
    Secret secret =
        Secret.newBuilder()
            .setResourceName("secrets/" + name)
            .setName(name)
            .setVersion(rs.getLong("version"))
            .setCreateTime(WorkflowStore.timestamp(rs, "create_time"))
            .setUpdateTime(WorkflowStore.timestamp(rs, "update_time"))
            .setUpdater(rs.getString("updater"))
            .build();
    return new Row(
        rs.getString("org"),
        secret,
        Base64.getDecoder().decode(rs.getString("ciphertext")),
        rs.getLong("key_id"));
  }
}
