package io.nexusmesh.gateway.usage;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusmesh.runtime.telemetry.Channels;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gateway's share of the metric set every component exports, labelled with the channel of the
 * request that did the work ({@link Channels}): {@code nexus_workflow_executions_total{workflow,
 * channel}} (executions started), {@code nexus_mcp_exec_total{tool}} (MCP tool calls started) and
 * {@code nexus_active_sessions{channel}} (sessions this gateway served through a channel in the
 * last {@link #ACTIVE_WINDOW}).
 */
public final class ChannelMetrics {
  /** How recently a session must have been used to count as active. */
  public static final Duration ACTIVE_WINDOW = Duration.ofMinutes(5);

  private static final List<String> SESSION_CHANNELS =
      List.of("grpc", "grpc-web", "rest", "mcp", "sse", "websocket", Channels.INTERNAL);
  private static final int MAX_TRACKED = 100_000;

  private final MeterRegistry registry;
  private final Clock clock;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Long>> lastUseByChannel = new ConcurrentHashMap<>();

  public ChannelMetrics(MeterRegistry registry, Clock clock) {
    this.registry = requireNonNull(registry, "registry");
    this.clock = requireNonNull(clock, "clock");
    for (String channel : SESSION_CHANNELS) {
      Map<String, Long> lastUse = new ConcurrentHashMap<>();
      lastUseByChannel.put(channel, lastUse);
      Gauge.builder("nexus_active_sessions", lastUse, this::active)
          .description("Sessions served through a channel in the last 5 minutes")
          .tag("channel", channel)
          .register(registry);
    }
  }

  /** Counts an execution of {@code workflowId} started through the current request's channel. */
  public void executionStarted(String workflowId) {
    String channel = Channels.current();
    counters
        .computeIfAbsent(
            "executions\n" + workflowId + "\n" + channel,
            k ->
                Counter.builder("nexus_workflow_executions_total")
                    .description("Executions started, by workflow and channel")
                    .tag("workflow", workflowId)
                    .tag("channel", channel)
                    .register(registry))
        .increment();
  }

  /** Counts an MCP {@code tools/call} of {@code tool} that started running. */
  public void mcpExec(String tool) {
    counters
        .computeIfAbsent(
            "mcp\n" + tool,
            k ->
                Counter.builder("nexus_mcp_exec_total")
                    .description("MCP tool calls started, by tool")
                    .tag("tool", tool)
                    .register(registry))
        .increment();
  }

  /** Notes that session {@code id} was used through the current request's channel. */
  public void sessionUsed(String id) {
    Map<String, Long> lastUse = lastUseByChannel.get(Channels.current());
    if (lastUse == null) {
      return;
    }
    if (lastUse.size() >= MAX_TRACKED) {
      prune(lastUse);
    }
    lastUse.put(id, clock.millis());
  }

  private double active(Map<String, Long> lastUse) {
    prune(lastUse);
    return lastUse.size();
  }

  private void prune(Map<String, Long> lastUse) {
    long since = clock.millis() - ACTIVE_WINDOW.toMillis();
    lastUse.values().removeIf(time -> time < since);
  }
}
