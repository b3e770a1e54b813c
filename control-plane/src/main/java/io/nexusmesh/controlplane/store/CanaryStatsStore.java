package io.nexusmesh.controlplane.store;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.Durations;
import io.nexusmesh.api.controlplane.v1.VersionStats;
import io.nexusmesh.runtime.canary.DurationHistogram;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * What gateways reported of each version of a canary deployment while it ran: executions, failures,
 * total duration and the duration histogram, summed over gateways and reports, read back as {@link
 * VersionStats}.
 */
@Repository
public class CanaryStatsStore {
  private final JdbcClient jdbc;

  public CanaryStatsStore(JdbcClient jdbc) {
    this.jdbc = requireNonNull(jdbc, "jdbc");
  }

  /**
   * Starts the figures of a new canary deployment at zero for its two versions, in the transaction
   * that creates it, so that reports only ever update a row.
   */
  public void open(String org, String deploymentId, long baselineVersion, long canaryVersion) {
    for (long version : new long[] {baselineVersion, canaryVersion}) {
      jdbc.sql(
              """
              INSERT INTO canary_stats (org, deployment_id, version, executions, failures,
                                        total_millis, buckets)
              VALUES (?, ?, ?, 0, 0, 0, '')""")
          .params(org, deploymentId, version)
          .update();
    }
  }

  /**
   * Adds one report of {@code version} to the deployment's figures; false when the deployment has
   * no figures for that version (it is no canary of it). Run it in a transaction: the row is read
   * {@code FOR UPDATE}, so reports handled by two replicas add up instead of overwriting each
   * other's histogram.
   */
  public boolean add(
      String org,
      String deploymentId,
      long version,
      long executions,
      long failures,
      long totalMillis,
      DurationHistogram durations) {
    Optional<Stored> current = find(org, deploymentId, version, " FOR UPDATE");
    if (current.isEmpty()) {
      return false;
    }
    DurationHistogram merged = current.get().durations();
    merged.add(durations);
    jdbc.sql(
            """
            UPDATE canary_stats SET executions = executions + ?, failures = failures + ?,
                                    total_millis = total_millis + ?, buckets = ?
            WHERE org = ? AND deployment_id = ? AND version = ?""")
        .params(executions, failures, totalMillis, merged.encode(), org, deploymentId, version)
        .update();
    return true;
  }

  /** The figures of {@code version} of the deployment (zeros when nothing was reported). */
  public VersionStats stats(String org, String deploymentId, long version) {
    return find(org, deploymentId, version, "")
        .map(stored -> stored.toProto(version))
        .orElse(VersionStats.newBuilder().setVersion(version).build());
  }

  private record Stored(
      long executions, long failures, long totalMillis, DurationHistogram durations) {
    VersionStats toProto(long version) {
      return VersionStats.newBuilder()
          .setVersion(version)
          .setExecutions(executions)
          .setFailures(failures)
          .setErrorRate(executions == 0 ? 0 : (double) failures / executions)
          .setMeanLatency(Durations.fromMillis(executions == 0 ? 0 : totalMillis / executions))
          .setP50Latency(Durations.fromMillis(durations.quantileMillis(0.5)))
          .setP99Latency(Durations.fromMillis(durations.quantileMillis(0.99)))
          .build();
    }
  }

  private Optional<Stored> find(String org, String deploymentId, long version, String lock) {
    List<Stored> rows =
        jdbc.sql(
                """
                SELECT executions, failures, total_millis, buckets FROM canary_stats
                WHERE org = ? AND deployment_id = ? AND version = ?"""
                    + lock)
            .params(org, deploymentId, version)
            .query(
                (rs, n) ->
                    new Stored(
                        rs.getLong("executions"),
                        rs.getLong("failures"),
                        rs.getLong("total_millis"),
                        DurationHistogram.decode(rs.getString("buckets"))))
            .list();
    return rows.stream().findFirst();
  }
}
