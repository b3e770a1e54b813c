package io.nexusmesh.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nexusmesh.api.semantic.v1.ChatMessage;
import io.nexusmesh.api.semantic.v1.ModelCall;
import io.nexusmesh.llm.LlmManager;
import io.nexusmesh.llm.LlmManagerConfig;
import io.nexusmesh.llm.model.OpenAiModelClient;
import io.nexusmesh.llm.scripted.ScriptedModel;
import io.nexusmesh.testing.KafkaBroker;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The semantic layer's cost, measured in one run on an in-JVM KRaft broker with the scripted model
 * (its wire protocol, over loopback):
 *
 * <ul>
 *   <li><b>model call alone</b> (baseline): the OpenAI client calling the scripted model directly.
 *   <li><b>turn, one at a time</b>: a turn without tools through the real topology and model caller
 *       (turn request → model call → reply → answer, two exactly-once hops), one after the other;
 *       its p50 minus the baseline's is the layer's own cost per turn (aim: under 5 ms).
 *   <li><b>1,000 sessions, 1 s model</b>: 1,000 sessions, each starting its next turn when the last
 *       one answered, against a model that takes 1 s to answer, for {@code bench.seconds} (default
 *       15): turns per second against the ideal, 1,000/s (aim: at least 800/s, i.e. nothing waits
 *       for the model but its own session), and p99 against the 1 s the model takes; and against as
 *       many closed loops calling the same model directly with the same client.
 * </ul>
 *
 * <p>{@code -Dbench.turns=500} sets the one-at-a-time count; {@code -Dbench.sessions=1000} the
 * concurrency; {@code -Dbench.commit=10ms} the topology's commit interval; {@code
 * -Dbench.guarantee=at_least_once} measures without transactions.
 */
public final class LlmBenchmark {
  private LlmBenchmark() {}

  public static void main(String[] args) throws Exception {
    int turns = Integer.getInteger("bench.turns", 500);
    int sessions = Integer.getInteger("bench.sessions", 1000);
    int seconds = Integer.getInteger("bench.seconds", 15);
    try (KafkaBroker broker = KafkaBroker.start();
        ScriptedModel model =
            ScriptedModel.start(
                0,
                new ScriptedModel.Options(
                    text -> text.startsWith("[slow]") ? Duration.ofSeconds(1) : Duration.ZERO,
                    true))) {
      var client = new OpenAiModelClient(model.baseUrl(), null, Duration.ofSeconds(30), 0);
      long[] alone = modelAlone(client, turns);
      Concurrent direct = modelsAtOnce(client, sessions, Duration.ofSeconds(seconds));
      LlmManagerConfig config =
          LlmManagerConfig.fromEnvironment(
              Map.of(
                  "NEXUS_KAFKA_BOOTSTRAP", broker.endpoint().bootstrapServers(),
                  "NEXUS_LLM_STATE_DIR", Files.createTempDirectory("bench-llm").toString(),
                  "NEXUS_LLM_MODEL", ScriptedModel.MODEL,
                  "NEXUS_LLM_BASE_URL", model.baseUrl(),
                  "NEXUS_LLM_COMMIT_INTERVAL", System.getProperty("bench.commit", "10ms"),
                  "NEXUS_LLM_PROCESSING_GUARANTEE",
                      System.getProperty("bench.guarantee", "exactly_once_v2")));
      try (LlmManager manager =
              LlmManager.start(
                  config,
                  new OpenAiModelClient(model.baseUrl(), null, Duration.ofSeconds(30), 0),
                  new SimpleMeterRegistry());
          TurnDriver driver = new TurnDriver(broker.endpoint().bootstrapServers())) {
        manager.awaitRunning(Duration.ofSeconds(90));
        sequential(driver, 100); // warm-up
        long[] oneAtATime = sequential(driver, turns);
        Concurrent many = concurrent(driver, sessions, Duration.ofSeconds(seconds));
        print(config, alone, oneAtATime, direct, many, sessions);
      }
      client.close();
    }
    System.exit(0);
  }

  private static long[] modelAlone(OpenAiModelClient client, int n) {
    ModelCall call =
        ModelCall.newBuilder()
            .setCallId("bench")
            .setModel(ScriptedModel.MODEL)
            .addMessages(ChatMessage.newBuilder().setRole("system").setContent("Answer briefly."))
            .addMessages(ChatMessage.newBuilder().setRole("user").setContent("hello"))
            .build();
    for (int i = 0; i < 200; i++) {
      client.call(call);
    }
    long[] latencies = new long[n];
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      client.call(call);
      latencies[i] = System.nanoTime() - start;
    }
    return latencies;
  }

  /** {@code callers} closed loops calling the slow model directly, on virtual threads. */
  private static Concurrent modelsAtOnce(OpenAiModelClient client, int callers, Duration window)
      throws InterruptedException {
    ModelCall call =
        ModelCall.newBuilder()
            .setCallId("bench")
            .setModel(ScriptedModel.MODEL)
            .addMessages(ChatMessage.newBuilder().setRole("user").setContent("[slow] hello"))
            .build();
    long began = System.nanoTime();
    long end = began + window.toNanos();
    var latencies = new ConcurrentLinkedQueue<Long>();
    var failed = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (System.nanoTime() < end) {
                      long start = System.nanoTime();
                      if (client.call(call).getError().isEmpty()) {
                        latencies.add(System.nanoTime() - start);
                      } else {
                        failed.incrementAndGet();
                      }
                    }
                  }));
    }
    for (Thread thread : threads) {
      thread.join();
    }
    double seconds = (System.nanoTime() - began) / 1e9;
    return new Concurrent(
        latencies.stream().mapToLong(Long::longValue).toArray(), seconds, failed.get());
  }

  private static long[] sequential(TurnDriver driver, int n) throws Exception {
    long[] latencies = new long[n];
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      long done = driver.turn("seq-" + (i % 16), "hello").get(30, TimeUnit.SECONDS);
      if (done < 0) {
        throw new IllegalStateException("a turn failed");
      }
      latencies[i] = done - start;
    }
    return latencies;
  }

  private record Concurrent(long[] latencies, double seconds, long failed) {}

  private static Concurrent concurrent(TurnDriver driver, int sessions, Duration window)
      throws InterruptedException {
    long began = System.nanoTime();
    long end = began + window.toNanos();
    var latencies = new ConcurrentLinkedQueue<Long>();
    var failed = new AtomicLong();
    var last = new CompletableFuture<?>[sessions];
    for (int s = 0; s < sessions; s++) {
      last[s] = loop(driver, "many-" + s, end, latencies, failed);
    }
    CompletableFuture.allOf(last).orTimeout(window.toSeconds() + 60, TimeUnit.SECONDS).join();
    double seconds = (System.nanoTime() - began) / 1e9;
    long[] all = latencies.stream().mapToLong(Long::longValue).toArray();
    return new Concurrent(all, seconds, failed.get());
  }

  /** One session's closed loop: its next turn starts when its last one answered. */
  private static CompletableFuture<Void> loop(
      TurnDriver driver,
      String session,
      long end,
      ConcurrentLinkedQueue<Long> latencies,
      AtomicLong failed) {
    if (System.nanoTime() >= end) {
      return CompletableFuture.completedFuture(null);
    }
    long start = System.nanoTime();
    return driver
        .turn(session, "[slow] hello")
        .thenCompose(
            done -> {
              if (done < 0) {
                failed.incrementAndGet();
              } else {
                latencies.add(done - start);
              }
              return loop(driver, session, end, latencies, failed);
            });
  }

  private static double percentile(long[] nanos, double p) {
    long[] sorted = nanos.clone();
    java.util.Arrays.sort(sorted);
    int index = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
    return sorted[index] / 1e6;
  }

  private static void print(
      LlmManagerConfig config,
      long[] alone,
      long[] oneAtATime,
      Concurrent direct,
      Concurrent many,
      int sessions) {
    System.out.printf(
        "LLM manager benchmark (%d cores, commit interval %d ms, %s)%n",
        Runtime.getRuntime().availableProcessors(),
        config.commitInterval().toMillis(),
        config.processingGuarantee());
    System.out.printf("%-36s %9s %9s %12s%n", "scenario", "p50 ms", "p99 ms", "turns/s");
    row("model call alone (baseline)", alone, -1);
    row("turn, one at a time", oneAtATime, -1);
    System.out.printf(
        "  the layer's own cost per turn: p50 %.3f ms (turn p50 - model p50; aim < 5 ms),"
            + " %.2fx the model call%n",
        percentile(oneAtATime, 0.5) - percentile(alone, 0.5),
        percentile(oneAtATime, 0.5) / percentile(alone, 0.5));
    double directRate = direct.latencies().length / direct.seconds();
    row(sessions + " direct model callers, 1 s", direct.latencies(), directRate);
    double rate = many.latencies().length / many.seconds();
    row(sessions + " sessions, 1 s model", many.latencies(), rate);
    System.out.printf(
        "  %.0f turns/s = %.2fx the ideal %d/s (aim >= 0.80), %.2fx the direct callers; p99 %.2fx"
            + " the model's 1 s; %d failed turns, %d failed direct calls%n",
        rate,
        rate / sessions,
        sessions,
        rate / directRate,
        percentile(many.latencies(), 0.99) / 1000.0,
        many.failed(),
        direct.failed());
  }

  /** One line of the table; {@code rate} below 0 for none. */
  private static void row(String name, long[] latencies, double rate) {
    System.out.printf(
        "%-36s %9.3f %9.3f %12s%n",
        name,
        percentile(latencies, 0.5),
        percentile(latencies, 0.99),
        rate < 0 ? "-" : String.format("%.0f", rate));
  }
}
