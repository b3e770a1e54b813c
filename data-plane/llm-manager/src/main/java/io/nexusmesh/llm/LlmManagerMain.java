package io.nexusmesh.llm;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nexusmesh.llm.model.OpenAiModelClient;
import java.util.concurrent.CountDownLatch;

/** {@code nexus-llm-manager}: the LLM manager as its own process, configured by environment. */
public final class LlmManagerMain {
  private LlmManagerMain() {}

  public static void main(String[] args) throws InterruptedException {
    LlmManagerConfig config = LlmManagerConfig.fromEnvironment();
    if (config.modelBaseUrl() == null) {
      System.err.println(
          "NEXUS_LLM_BASE_URL is not set: point it at an OpenAI-compatible server"
              + " (https://api.openai.com/v1, http://localhost:11434/v1 for Ollama, ...)");
      System.exit(2);
    }
    var model =
        new OpenAiModelClient(
            config.modelBaseUrl(),
            config.modelApiKey(),
            config.modelTimeout(),
            config.modelRetries());
    LlmManager manager =
        LlmManager.start(config, model, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  manager.close();
                  stopped.countDown();
                }));
    stopped.await();
  }
}
