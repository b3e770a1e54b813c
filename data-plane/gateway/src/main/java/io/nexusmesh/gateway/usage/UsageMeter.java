package io.nexusmesh.gateway.usage;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusmesh.api.controlplane.v1.UsageRecord;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.gateway.durable.Executions;
import io.nexusmesh.runtime.canary.DurationHistogram;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts what this gateway ran, per organisation, workflow and version (with failures and a
 * duration histogram, which the control plane reads to judge canary deployments), and the model
 * tokens of agents per organisation, workflow and model, between two reports to the control plane;
 * exports {@code nexus_workflow_executions_ended_total{workflow,status}} to Prometheus (the started
 * ones, by channel, are {@link ChannelMetrics}').
 */
public final class UsageMeter implements Executions.Listener {
  /**
   * What a tally counts: an organisation's workflow version, or its model tokens (version 0, the
   * model named).
   */
  private record Key(String org, String workflowId, long version, String model) {}

  private static final class Tally {
    final DurationHistogram durations = DurationHistogram.empty();
    long executions;
    long failures;
    long nodeRuns;
    long millis;
    long promptTokens;
    long completionTokens;
  }

  private final Clock clock;
  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private Map<Key, Tally> tallies = new ConcurrentHashMap<>();
  private long since;

  public UsageMeter(Clock clock, MeterRegistry registry) {
    this.clock = clock;
    this.registry = registry;
    this.since = clock.millis();
  }

  @Override
  public void ended(String org, Execution execution, long nodeRuns, Duration took) {
    synchronized (this) {
      Tally tally =
          tallies.computeIfAbsent(
              new Key(org, execution.getWorkflowId(), execution.getWorkflowVersion(), ""),
              k -> new Tally());
      tally.executions++;
      if (execution.getStatus() != ExecutionStatus.EXECUTION_STATUS_SUCCEEDED) {
        tally.failures++;
      }
      tally.durations.record(took.toMillis());
      tally.nodeRuns += nodeRuns;
      tally.millis += took.toMillis();
    }
    // Looked up once per workflow and status, outside the lock: registering is a registry lookup.
    counters
        .computeIfAbsent(
            execution.getWorkflowId() + "\n" + execution.getStatus().name(),
            k ->
                Counter.builder("nexus_workflow_executions_ended_total")
                    .description("Executions that ended on this gateway, by workflow and status")
                    .tag("workflow", execution.getWorkflowId())
                    .tag("status", execution.getStatus().name())
                    .register(registry))
        .increment();
  }

  /**
   * Counts the model tokens of one call of an agent: a workflow's llm node ({@code workflowId}) or
   * a session's agent ({@code workflowId} empty).
   */
  public synchronized void tokens(
      String org, String workflowId, String model, long promptTokens, long completionTokens) {
    Tally tally = tallies.computeIfAbsent(new Key(org, workflowId, 0, model), k -> new Tally());
    tally.promptTokens += promptTokens;
    tally.completionTokens += completionTokens;
  }

  /** The usage since the previous call, as records for {@code ReportUsage}; resets the tallies. */
  public synchronized List<UsageRecord> drain() {
    long now = clock.millis();
    List<UsageRecord> records = new ArrayList<>();
    tallies.forEach(
        (key, t) ->
            records.add(
                UsageRecord.newBuilder()
                    .setOrg(key.org())
                    .setWorkflowId(key.workflowId())
                    .setModel(key.model())
                    .setVersion(key.version())
                    .setFailures(t.failures)
                    .addAllDurationBuckets(t.executions == 0 ? List.of() : t.durations.counts())
                    .setPromptTokens(t.promptTokens)
                    .setCompletionTokens(t.completionTokens)
                    .setExecutions(t.executions)
                    .setNodeRuns(t.nodeRuns)
                    .setTotalDuration(Durations.fromMillis(t.millis))
                    .setStartTime(Timestamps.fromMillis(since))
                    .setEndTime(Timestamps.fromMillis(now))
                    .build()));
    tallies = new ConcurrentHashMap<>();
    since = now;
    return records;
  }

  /** Puts records back after a failed report, so no usage is lost. */
  public synchronized void restore(List<UsageRecord> records) {
    for (UsageRecord r : records) {
      Tally tally =
          tallies.computeIfAbsent(
              new Key(r.getOrg(), r.getWorkflowId(), r.getVersion(), r.getModel()),
              k -> new Tally());
      tally.failures += r.getFailures();
      tally.durations.add(DurationHistogram.of(r.getDurationBucketsList()));
      tally.promptTokens += r.getPromptTokens();
      tally.completionTokens += r.getCompletionTokens();
      tally.executions += r.getExecutions();
      tally.nodeRuns += r.getNodeRuns();
      tally.millis += Durations.toMillis(r.getTotalDuration());
      since = Math.min(since, Timestamps.toMillis(r.getStartTime()));
    }
  }
}
