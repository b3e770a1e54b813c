package io.nexusmesh.launcher;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nexusmesh.llm.LlmManager;
import io.nexusmesh.llm.LlmManagerConfig;
import io.nexusmesh.llm.model.OpenAiModelClient;
import io.nexusmesh.llm.scripted.ScriptedModel;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The dev stack's LLM manager, on the embedded broker. {@code NEXUS_LLM_BASE_URL}, {@code
 * NEXUS_LLM_API_KEY} and {@code NEXUS_LLM_MODEL} point it at any OpenAI-compatible server; with no
 * base URL it talks to the built-in scripted model (same wire protocol, on a free loopback port),
 * so a newcomer can watch a tool loop run without a key.
 */
final class DevLlm implements AutoCloseable {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DevLlm.class);

  private final LlmManager manager;
  private final @Nullable ScriptedModel scripted;

  private DevLlm(LlmManager manager, @Nullable ScriptedModel scripted) {
    this.manager = manager;
    this.scripted = scripted;
  }

  /** What answers, for the start-up summary. */
  static String describe(Map<String, String> env) {
    String base = env.get("NEXUS_LLM_BASE_URL");
    if (base == null || base.isBlank()) {
      return "the built-in scripted model (no NEXUS_LLM_BASE_URL set; set it, NEXUS_LLM_API_KEY and"
          + " NEXUS_LLM_MODEL for a real one)";
    }
    return env.getOrDefault("NEXUS_LLM_MODEL", "gpt-4.1-mini") + " at " + base.strip();
  }

  static DevLlm start(DevSettings settings, Map<String, String> env) {
    Map<String, String> config = new HashMap<>(env);
    config.put("NEXUS_KAFKA_BOOTSTRAP", "127.0.0.1:" + settings.kafkaPort());
    config.putIfAbsent("NEXUS_LLM_STATE_DIR", settings.devDir().resolve("llm-manager").toString());
    config.putIfAbsent("NEXUS_LLM_PARTITIONS", "1");
    // One dev stack per NEXUS_HOME: a restart takes the partitions back at once.
    config.putIfAbsent("NEXUS_LLM_INSTANCE_ID", "nexus-dev");
    ScriptedModel scripted = null;
    String base = env.get("NEXUS_LLM_BASE_URL");
    if (base == null || base.isBlank()) {
      scripted = ScriptedModel.start(0, ScriptedModel.Options.DEFAULT);
      config.put("NEXUS_LLM_BASE_URL", scripted.baseUrl());
      config.put("NEXUS_LLM_MODEL", ScriptedModel.MODEL);
    }
    try {
      LlmManagerConfig settingsOf = LlmManagerConfig.fromEnvironment(config);
      var model =
          new OpenAiModelClient(
              settingsOf.modelBaseUrl(),
              settingsOf.modelApiKey(),
              settingsOf.modelTimeout(),
              settingsOf.modelRetries());
      return new DevLlm(
          LlmManager.start(
              settingsOf,
              model,
              new SimpleMeterRegistry(),
              io.nexusmesh.runtime.telemetry.Telemetry.fromEnvironment("nexus-llm-manager")
                  .openTelemetry()),
          scripted);
    } catch (RuntimeException e) {
      if (scripted != null) {
        scripted.close();
      }
      throw e;
    }
  }

  /**
   * Logs, in the background, when the topology processes, or an error when it does not within
   * {@code timeout} (it may be waiting for a previous run's consumer-group session to time out).
   */
  void reportWhenRunning(Duration timeout) {
    Thread.ofVirtual()
        .name("llm-manager-readiness")
        .start(
            () -> {
              try {
                manager.awaitRunning(timeout);
                log.info("the LLM manager is processing turns");
              } catch (IllegalStateException e) {
                log.error("the LLM manager is not processing turns yet: {}", e.getMessage());
              }
            });
  }

  @Override
  public void close() {
    manager.close();
    if (scripted != null) {
      scripted.close();
    }
  }
}
