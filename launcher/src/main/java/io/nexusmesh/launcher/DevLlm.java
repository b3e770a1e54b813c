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
  private final LlmManager manager;
  private final @Nullable ScriptedModel scripted;
  private final String summary;

  private DevLlm(LlmManager manager, @Nullable ScriptedModel scripted, String summary) {
    this.manager = manager;
    this.scripted = scripted;
    this.summary = summary;
  }

  static DevLlm start(DevSettings settings, Map<String, String> env) {
    Map<String, String> config = new HashMap<>(env);
    config.put("NEXUS_KAFKA_BOOTSTRAP", "127.0.0.1:" + settings.kafkaPort());
    config.putIfAbsent("NEXUS_LLM_STATE_DIR", settings.devDir().resolve("llm-manager").toString());
    config.putIfAbsent("NEXUS_LLM_PARTITIONS", "1");
    ScriptedModel scripted = null;
    String summary;
    String base = env.get("NEXUS_LLM_BASE_URL");
    if (base == null || base.isBlank()) {
      scripted = ScriptedModel.start(0, ScriptedModel.Options.DEFAULT);
      config.put("NEXUS_LLM_BASE_URL", scripted.baseUrl());
      config.put("NEXUS_LLM_MODEL", ScriptedModel.MODEL);
      summary =
          "the built-in scripted model (no NEXUS_LLM_BASE_URL set; set it, NEXUS_LLM_API_KEY and"
              + " NEXUS_LLM_MODEL for a real one)";
    } else {
      summary = config.getOrDefault("NEXUS_LLM_MODEL", "gpt-4.1-mini") + " at " + base.strip();
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
          LlmManager.start(settingsOf, model, new SimpleMeterRegistry()), scripted, summary);
    } catch (RuntimeException e) {
      if (scripted != null) {
        scripted.close();
      }
      throw e;
    }
  }

  /** Waits until the topology processes. */
  void awaitRunning(Duration timeout) {
    manager.awaitRunning(timeout);
  }

  /** What answers, for the start-up summary. */
  String summary() {
    return summary;
  }

  @Override
  public void close() {
    manager.close();
    if (scripted != null) {
      scripted.close();
    }
  }
}
