package io.nexusmesh.llm.model;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.nexusmesh.api.semantic.v1.ModelReply;
import io.nexusmesh.api.semantic.v1.SemanticEvent;
import io.nexusmesh.llm.work.CommandHandler;
import io.nexusmesh.llm.work.Replies;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Carries out model calls: each on its own virtual thread (a model may take a minute; thousands may
 * wait at once), answered as a {@code model_reply} command. Records {@code
 * nexus_llm_model_call_seconds{model,outcome}} and {@code nexus_llm_tokens_total{model,kind,org}}.
 */
public final class ModelCaller implements CommandHandler, AutoCloseable {
  /** The {@code source} of its replies. */
  public static final String SOURCE = "llm-manager/model-caller";

  private final ModelClient client;
  private final MeterRegistry meters;
  // Each call runs in the trace of its command (see CommandWorker).
  private final ExecutorService threads =
      Context.taskWrapping(Executors.newVirtualThreadPerTaskExecutor());
  private final ModelSpans spans;

  public ModelCaller(ModelClient client, MeterRegistry meters, OpenTelemetry otel) {
    this.client = requireNonNull(client, "client");
    this.meters = requireNonNull(meters, "meters");
    this.spans = new ModelSpans(otel);
  }

  @Override
  public boolean accepts(SemanticEvent command) {
    return command.hasModelCall();
  }

  @Override
  public CompletableFuture<SemanticEvent> handle(SemanticEvent command) {
    return CompletableFuture.supplyAsync(
        () -> {
          long started = System.nanoTime();
          ModelReply reply = spans.call(command.getModelCall(), client::call);
          String model = command.getModelCall().getModel();
          Timer.builder("nexus_llm_model_call_seconds")
              .tag("model", model)
              .tag("outcome", reply.getError().isEmpty() ? "ok" : "error")
              .register(meters)
              .record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
          if (reply.hasUsage()) {
            count(command.getOrg(), model, "prompt", reply.getUsage().getPromptTokens());
            count(command.getOrg(), model, "completion", reply.getUsage().getCompletionTokens());
          }
          return Replies.to(command, SOURCE).setModelReply(reply).build();
        },
        threads);
  }

  private void count(String org, String model, String kind, long tokens) {
    meters
        .counter("nexus_llm_tokens_total", "org", org, "model", model, "kind", kind)
        .increment(tokens);
  }

  @Override
  public void close() {
    threads.shutdownNow();
    client.close();
  }
}
