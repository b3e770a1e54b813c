package io.nexusmesh.runtime.server;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.healthcheck.HealthChecker;
import com.linecorp.armeria.server.healthcheck.ListenableHealthChecker;
import com.linecorp.armeria.server.healthcheck.SettableHealthChecker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The health of what a component depends on (Redis, Kafka, its database, the control plane), each
 * probed in the background while the server runs, so a health request never waits on a slow
 * dependency. (Armeria's own scheduled checkers only start inside its HTTP health service, whose
 * fixed body cannot name dependencies: the probes are scheduled here and their results kept in
 * Armeria's {@link SettableHealthChecker}s, which its gRPC health service listens to.) A dependency
 * is required (the component cannot serve without it: a gateway's Redis) or optional (it serves on
 * without it, degraded: a gateway's control plane, whose deployments it keeps serving). Served as
 * {@code GET /health} (always 200 while the process serves, for liveness; the body says {@code UP},
 * {@code DEGRADED} or {@code DOWN} and each dependency's state), {@code GET /health/ready} (503
 * while a required dependency is down, for readiness) and {@code grpc.health.v1} (the server, "",
 * serving while the required ones are up; each dependency a service of its own name).
 */
public final class DependencyHealth {
  /** How often a dependency is probed by default. */
  static final Duration INTERVAL = Duration.ofSeconds(5);

  /** How long a probe may take before it counts as down. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

  private final Duration interval;
  private final Map<String, SettableHealthChecker> checkers = new LinkedHashMap<>();
  private final Map<String, Supplier<? extends CompletionStage<Boolean>>> probes =
      new LinkedHashMap<>();
  private final Map<String, Boolean> required = new LinkedHashMap<>();
  private @Nullable ScheduledExecutorService scheduler;
  private final Map<String, Timer> probeTimes = new java.util.concurrent.ConcurrentHashMap<>();

  private DependencyHealth(Duration interval) {
    this.interval = interval;
  }

  /** No dependencies: always ready. */
  public static DependencyHealth none() {
    return new DependencyHealth(INTERVAL);
  }

  /** No dependencies yet, probed every {@code interval} once added (tests use a short one). */
  static DependencyHealth probedEvery(Duration interval) {
    return new DependencyHealth(interval);
  }

  /**
   * A copy that also probes the required dependency {@code name} with {@code probe}: true when it
   * answered (a probe that fails, throws or takes longer than {@link #PROBE_TIMEOUT} counts as
   * down).
   */
  public DependencyHealth with(String name, Supplier<? extends CompletionStage<Boolean>> probe) {
    return add(name, probe, true);
  }

  /** Like {@link #with}, for a dependency the component serves on without (degraded). */
  public DependencyHealth withOptional(
      String name, Supplier<? extends CompletionStage<Boolean>> probe) {
    return add(name, probe, false);
  }

  private DependencyHealth add(
      String name, Supplier<? extends CompletionStage<Boolean>> probe, boolean isRequired) {
    requireNonNull(name, "name");
    requireNonNull(probe, "probe");
    DependencyHealth copy = new DependencyHealth(interval);
    copy.probes.putAll(probes);
    copy.required.putAll(required);
    copy.probes.put(name, probe);
    copy.required.put(name, isRequired);
    copy.probes.keySet().forEach(n -> copy.checkers.put(n, new SettableHealthChecker(false)));
    return copy;
  }

  /**
   * Exports {@code nexus_dependency_up{dependency,required}} (1 while its last probe answered, else
   * 0) and {@code nexus_dependency_probe_seconds{dependency}} (how long each probe took: a Redis
   * round trip through the gateway's Redisson, a database's validity check, ...).
   */
  void bindTo(MeterRegistry registry) {
    checkers.forEach(
        (name, checker) -> {
          Gauge.builder("nexus_dependency_up", checker, c -> c.isHealthy() ? 1 : 0)
              .description("1 while the dependency answered its last probe, else 0")
              .tag("dependency", name)
              .tag("required", Boolean.toString(required.get(name)))
              .register(registry);
          probeTimes.put(
              name,
              Timer.builder("nexus_dependency_probe_seconds")
                  .description("How long each probe of the dependency took")
                  .tag("dependency", name)
                  .publishPercentileHistogram()
                  .maximumExpectedValue(PROBE_TIMEOUT)
                  .register(registry));
        });
  }

  /** Starts probing: every dependency at once, then every interval. */
  synchronized void start() {
    if (scheduler != null || probes.isEmpty()) {
      return;
    }
    scheduler =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("dependency-health").daemon().factory());
    scheduler.scheduleWithFixedDelay(this::probeAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stops probing. */
  synchronized void stop() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      scheduler = null;
    }
  }

  private void probeAll() {
    probes.forEach(
        (name, probe) -> {
          CompletableFuture<Boolean> answered;
          long started = System.nanoTime();
          try {
            answered = probe.get().toCompletableFuture();
          } catch (RuntimeException e) {
            answered = CompletableFuture.failedFuture(e);
          }
          answered
              .orTimeout(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
              .whenComplete(
                  (up, failure) -> {
                    checkers.get(name).setHealthy(failure == null && Boolean.TRUE.equals(up));
                    Timer took = probeTimes.get(name);
                    if (took != null) {
                      took.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                    }
                  });
        });
  }

  /** The checkers by dependency name. */
  Map<String, ? extends ListenableHealthChecker> checkers() {
    return Map.copyOf(checkers);
  }

  /** The checkers of the required dependencies. */
  java.util.List<? extends ListenableHealthChecker> requiredCheckers() {
    return checkers.entrySet().stream()
        .filter(e -> required.get(e.getKey()))
        .map(Map.Entry::getValue)
        .toList();
  }

  /** Whether every required dependency answered its last probe. */
  public boolean ready() {
    return requiredCheckers().stream().allMatch(HealthChecker::isHealthy);
  }

  private String status() {
    if (!ready()) {
      return "DOWN";
    }
    return checkers.values().stream().allMatch(HealthChecker::isHealthy) ? "UP" : "DEGRADED";
  }

  /** {@code {"status": "UP", "dependencies": {"redis": "UP", ...}}}. */
  String describe() {
    StringBuilder json = new StringBuilder("{\"status\":\"").append(status());
    json.append("\",\"dependencies\":{");
    boolean first = true;
    for (var checker : checkers.entrySet()) {
      json.append(first ? "" : ",")
          .append('"')
          .append(checker.getKey())
          .append("\":\"")
          .append(checker.getValue().isHealthy() ? "UP" : "DOWN")
          .append('"');
      first = false;
    }
    return json.append("}}").toString();
  }

  /** {@code /health}: 200 with every dependency's state. */
  HttpService liveness() {
    return (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, describe());
  }

  /** {@code /health/ready}: 503 while a dependency is down. */
  HttpService readiness() {
    return (ctx, req) ->
        HttpResponse.of(
            ready() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE,
            MediaType.JSON_UTF_8,
            describe());
  }
}
