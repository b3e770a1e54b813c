package io.nexusmesh.llm;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.llm.topology.TurnLimits;
import io.nexusmesh.semantic.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The LLM manager's settings, from environment variables.
 *
 * @param bootstrap {@code NEXUS_KAFKA_BOOTSTRAP}: the semantic bus's Kafka (required)
 * @param modelBaseUrl {@code NEXUS_LLM_BASE_URL}: any OpenAI-compatible server, e.g. {@code
 *     http://localhost:11434/v1}; null when none is set
 * @param modelApiKey {@code NEXUS_LLM_API_KEY}: its key, if it needs one
 * @param defaultModel {@code NEXUS_LLM_MODEL}: the model of agents that name none
 * @param modelTimeout {@code NEXUS_LLM_TIMEOUT} (60s): the deadline of one model call attempt
 * @param modelRetries {@code NEXUS_LLM_MAX_RETRIES} (3): retries on 408/409/429/5xx
 * @param toolTimeout {@code NEXUS_LLM_TOOL_TIMEOUT} (60s): how long a tool call may take
 * @param applicationId {@code NEXUS_LLM_APPLICATION_ID} (nexus-llm-manager): the Streams app id
 * @param stateDir {@code NEXUS_LLM_STATE_DIR}: where the session contexts live on disk
 * @param partitions {@code NEXUS_LLM_PARTITIONS} (6): partitions of the topics it creates
 * @param limits {@code NEXUS_LLM_MAX_ITERATIONS} (8), {@code NEXUS_LLM_MAX_TOOL_CALLS} (16), {@code
 *     NEXUS_LLM_HISTORY_TOKENS} (8000)
 * @param maxInFlight {@code NEXUS_LLM_MAX_IN_FLIGHT} (10000): open calls per caller before it stops
 *     taking more
 * @param commitInterval {@code NEXUS_LLM_COMMIT_INTERVAL} (10ms): how often the topology commits
 *     its transaction, which bounds each hop's latency under exactly-once
 * @param processingGuarantee {@code NEXUS_LLM_PROCESSING_GUARANTEE} ({@code exactly_once_v2}):
 *     {@code at_least_once} trades the transactions' latency for redoing a command's records after
 *     a crash (replies and turns are de-duplicated; chain events may repeat)
 * @param instanceId {@code NEXUS_LLM_INSTANCE_ID}: a stable name for this instance (Kafka's static
 *     membership: a restarted instance takes its partitions back at once instead of waiting for its
 *     predecessor's session to time out); null for dynamic membership
 */
public record LlmManagerConfig(
    String bootstrap,
    @Nullable String modelBaseUrl,
    @Nullable String modelApiKey,
    String defaultModel,
    Duration modelTimeout,
    int modelRetries,
    Duration toolTimeout,
    String applicationId,
    Path stateDir,
    int partitions,
    TurnLimits limits,
    int maxInFlight,
    Topics topics,
    Duration commitInterval,
    String processingGuarantee,
    @Nullable String instanceId) {

  public LlmManagerConfig {
    requireNonNull(bootstrap, "bootstrap");
    requireNonNull(defaultModel, "defaultModel");
    requireNonNull(applicationId, "applicationId");
    requireNonNull(stateDir, "stateDir");
    requireNonNull(limits, "limits");
    requireNonNull(topics, "topics");
    requireNonNull(commitInterval, "commitInterval");
    if (!processingGuarantee.equals("exactly_once_v2")
        && !processingGuarantee.equals("at_least_once")) {
      throw new IllegalArgumentException(
          "NEXUS_LLM_PROCESSING_GUARANTEE is exactly_once_v2 or at_least_once, not "
              + processingGuarantee);
    }
  }

  /** From the process's environment. */
  public static LlmManagerConfig fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /** From {@code env}. */
  public static LlmManagerConfig fromEnvironment(Map<String, String> env) {
    String bootstrap = env.get("NEXUS_KAFKA_BOOTSTRAP");
    if (bootstrap == null || bootstrap.isBlank()) {
      throw new IllegalArgumentException("NEXUS_KAFKA_BOOTSTRAP is required (e.g. 127.0.0.1:9092)");
    }
    TurnLimits defaults = TurnLimits.DEFAULT;
    return new LlmManagerConfig(
        bootstrap,
        blankToNull(env.get("NEXUS_LLM_BASE_URL")),
        blankToNull(env.get("NEXUS_LLM_API_KEY")),
        env.getOrDefault("NEXUS_LLM_MODEL", "gpt-4.1-mini"),
        seconds(env, "NEXUS_LLM_TIMEOUT", 60),
        integer(env, "NEXUS_LLM_MAX_RETRIES", 3),
        seconds(env, "NEXUS_LLM_TOOL_TIMEOUT", 60),
        env.getOrDefault("NEXUS_LLM_APPLICATION_ID", "nexus-llm-manager"),
        Path.of(
            env.getOrDefault(
                "NEXUS_LLM_STATE_DIR",
                Path.of(System.getProperty("java.io.tmpdir"), "nexus-llm-manager").toString())),
        integer(env, "NEXUS_LLM_PARTITIONS", 6),
        new TurnLimits(
            integer(env, "NEXUS_LLM_MAX_ITERATIONS", defaults.maxIterations()),
            integer(env, "NEXUS_LLM_MAX_TOOL_CALLS", defaults.maxToolCalls()),
            defaults.maxQueuedTurns(),
            defaults.historyMessages(),
            integer(env, "NEXUS_LLM_HISTORY_TOKENS", defaults.historyTokens()),
            seconds(env, "NEXUS_LLM_TURN_TIMEOUT", 600)),
        integer(env, "NEXUS_LLM_MAX_IN_FLIGHT", 10_000),
        Topics.DEFAULT,
        duration(env, "NEXUS_LLM_COMMIT_INTERVAL", Duration.ofMillis(10)),
        env.getOrDefault("NEXUS_LLM_PROCESSING_GUARANTEE", "exactly_once_v2"),
        blankToNull(env.get("NEXUS_LLM_INSTANCE_ID")));
  }

  private static @Nullable String blankToNull(@Nullable String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }

  private static int integer(Map<String, String> env, String name, int fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " is not a whole number: " + value);
    }
  }

  private static Duration seconds(Map<String, String> env, String name, int fallback) {
    return duration(env, name, Duration.ofSeconds(fallback));
  }

  private static Duration duration(Map<String, String> env, String name, Duration fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    String text = value.strip().toLowerCase(java.util.Locale.ROOT);
    try {
      if (text.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
      }
      return Duration.ofSeconds(
          Long.parseLong(text.endsWith("s") ? text.substring(0, text.length() - 1) : text));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " is not a duration like 60s or 500ms: " + value);
    }
  }
}
