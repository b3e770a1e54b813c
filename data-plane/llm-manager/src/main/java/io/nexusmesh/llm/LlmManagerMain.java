package io.nexusmesh.llm;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import io.nexusmesh.llm.model.OpenAiModelClient;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * {@code nexus-llm-manager}: the LLM manager as its own process, configured by environment (see
 * {@link LlmManagerConfig}), with {@code GET /health} (200 while its topology processes, 503
 * otherwise) and {@code GET /metrics} (Prometheus) on {@code NEXUS_LLM_PORT} (9300). SIGTERM stops
 * it gracefully: open calls are redone by the instance that takes its sessions over.
 */
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
    var telemetry = io.nexusmesh.runtime.telemetry.Telemetry.fromEnvironment("nexus-llm-manager");
    var meters = telemetry.meterRegistry();
    var model =
        new OpenAiModelClient(
            config.modelBaseUrl(),
            config.modelApiKey(),
            config.modelTimeout(),
            config.modelRetries());
    LlmManager manager = LlmManager.start(config, model, meters, telemetry.openTelemetry());
    Server server =
        Server.builder()
            .http(Integer.parseInt(System.getenv().getOrDefault("NEXUS_LLM_PORT", "9300")))
            .service(
                "/health",
                (ctx, req) ->
                    manager.running()
                        ? HttpResponse.of(HttpStatus.OK, MediaType.JSON, "{\"status\":\"SERVING\"}")
                        : HttpResponse.of(
                            HttpStatus.SERVICE_UNAVAILABLE,
                            MediaType.JSON,
                            "{\"status\":\"NOT_SERVING\"}"))
            .service(
                "/metrics",
                (ctx, req) ->
                    HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, meters.scrape()))
            .gracefulShutdownTimeout(Duration.ofSeconds(1), Duration.ofSeconds(5))
            .build();
    server.start().join();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.stop().join();
                  manager.close();
                  stopped.countDown();
                }));
    stopped.await();
  }
}
