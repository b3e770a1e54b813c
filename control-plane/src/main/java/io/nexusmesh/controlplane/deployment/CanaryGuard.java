package io.nexusmesh.controlplane.deployment;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.Durations;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.controlplane.v1.CanaryState;
import io.nexusmesh.api.controlplane.v1.Deployment;
import io.nexusmesh.api.controlplane.v1.DeploymentServiceGrpc;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.UsageRecord;
import io.nexusmesh.api.controlplane.v1.VersionStats;
import io.nexusmesh.controlplane.deployment.Deployer.CanaryEnding;
import io.nexusmesh.controlplane.deployment.Deployer.Target;
import io.nexusmesh.controlplane.store.CanaryStatsStore;
import io.nexusmesh.controlplane.store.DeploymentStore;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import io.nexusmesh.runtime.canary.DurationHistogram;
import io.nexusmesh.runtime.error.NexusException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Watches running canaries through the usage gateways report: adds each report of a canary's two
 * versions to its figures, tells the deployment's watchers, and aborts the canary — a new whole
 * deployment of the baseline, audited as {@value #SUBJECT} — once its error rate passes the bound
 * it was created with, after at least its minimum of executions.
 */
@Component
public class CanaryGuard {
  /** The audit trail's subject for canaries this guard aborts. */
  public static final String SUBJECT = "system:canary-guard";

  /** How many canary executions must end before the bound applies, when the policy says 0. */
  static final long DEFAULT_MIN_EXECUTIONS = 20;

  private static final Logger log = LoggerFactory.getLogger(CanaryGuard.class);

  private final DeploymentStore deployments;
  private final CanaryStatsStore stats;
  private final Deployer deployer;
  private final DeploymentFeed feed;
  private final TransactionTemplate transactions;

  public CanaryGuard(
      DeploymentStore deployments,
      CanaryStatsStore stats,
      Deployer deployer,
      DeploymentFeed feed,
      TransactionTemplate transactions) {
    this.deployments = requireNonNull(deployments, "deployments");
    this.stats = requireNonNull(stats, "stats");
    this.deployer = requireNonNull(deployer, "deployer");
    this.feed = requireNonNull(feed, "feed");
    this.transactions = requireNonNull(transactions, "transactions");
  }

  /** Takes in the usage a gateway of {@code environment} reported for {@code org}. */
  public void report(String org, Environment environment, List<UsageRecord> records) {
    Map<String, String> canaries = deployments.runningCanaries(org, environment);
    if (canaries.isEmpty()) {
      return; // the common case: one query per report, nothing else
    }
    Set<String> touched = new LinkedHashSet<>();
    for (UsageRecord record : records) {
      String canary = canaries.get(record.getWorkflowId());
      if (canary != null
          && record.getVersion() != 0
          && record.getExecutions() != 0
          && Boolean.TRUE.equals(transactions.execute(status -> add(org, canary, record)))) {
        touched.add(canary);
      }
    }
    for (String id : touched) {
      deployments
          .find(org, id)
          .map(DeploymentStore.Row::deployment)
          .ifPresent(
              deployment -> {
                feed.publish(org, deployment);
                judge(org, deployment);
              });
    }
  }

  private boolean add(String org, String canaryId, UsageRecord record) {
    return stats.add(
        org,
        canaryId,
        record.getVersion(),
        record.getExecutions(),
        record.getFailures(),
        Durations.toMillis(record.getTotalDuration()),
        DurationHistogram.of(record.getDurationBucketsList()));
  }

  private void judge(String org, Deployment canary) {
    var policy = canary.getCanary().getPolicy();
    if (policy.getMaxErrorRate() <= 0
        || canary.getCanary().getState() != CanaryState.CANARY_STATE_RUNNING) {
      return;
    }
    long minimum =
        policy.getMinExecutions() > 0 ? policy.getMinExecutions() : DEFAULT_MIN_EXECUTIONS;
    VersionStats measured =
        canary.getCanary().getVersionsList().stream()
            .filter(v -> v.getVersion() == canary.getVersion())
            .findFirst()
            .orElse(VersionStats.getDefaultInstance());
    if (measured.getExecutions() < minimum || measured.getErrorRate() <= policy.getMaxErrorRate()) {
      return;
    }
    String reason =
        String.format(
            Locale.ROOT,
            "aborted automatically: error rate %.3f (%d of %d executions) passed the bound %.3f",
            measured.getErrorRate(),
            measured.getFailures(),
            measured.getExecutions(),
            policy.getMaxErrorRate());
    try {
      deployer.deploy(
          new Principal(SUBJECT, org, Set.of(), Set.of(), PrincipalKind.SERVICE, Set.of()),
          DeploymentServiceGrpc.getAbortCanaryMethod().getFullMethodName(),
          "",
          Target.whole(
              canary.getWorkflowId(),
              canary.getCanary().getBaselineVersion(),
              canary.getEnvironment()),
          new CanaryEnding(CanaryState.CANARY_STATE_ABORTED, reason, canary.getId()));
      log.warn("canary {} of {} ({}): {}", canary.getId(), canary.getWorkflowId(), org, reason);
    } catch (NexusException e) {
      if (e.reason() != ErrorReason.ERROR_REASON_FAILED_PRECONDITION) {
        throw e;
      }
      // Someone ended it meanwhile (a person, or another replica's guard): nothing to do.
    }
  }
}
