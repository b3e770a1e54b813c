package io.nexusmesh.controlplane.store;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The first response of each mutation sent with a {@code request_id}, kept to answer retries. */
@Repository
public class IdempotencyStore {
  private final JdbcClient jdbc;

  public IdempotencyStore(JdbcClient jdbc) {
    this.jdbc = requireNonNull(jdbc, "jdbc");
  }

  /** The stored response of an earlier call with the same key, if any. */
  public Optional<byte[]> find(String org, String method, String requestId) {
    return jdbc.sql(
            "SELECT response FROM idempotent_responses"
                + " WHERE org = ? AND method = ? AND request_id = ?")
        .params(org, method, requestId)
        .query((rs, n) -> rs.getBytes("response"))
        .optional();
  }

  /** Stores the response of a first call. */
  public void save(String org, String method, String requestId, byte[] response, Instant now) {
    jdbc.sql(
            """
            INSERT INTO idempotent_responses (org, method, request_id, response, create_time)
            VALUES (?, ?, ?, ?, ?)""")
        .params(org, method, requestId, response, WorkflowStore.time(now))
        .update();
  }
}
