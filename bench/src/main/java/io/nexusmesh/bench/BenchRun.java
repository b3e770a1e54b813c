package io.nexusmesh.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a list of scenarios the same way in every benchmark: each is warmed up before any is
 * measured (so that baselines, measured first, do not pay for the JIT work of the client path all
 * scenarios share), then each is measured, then one table is printed with p50, p99, throughput and
 * the ratios of each scenario's p50, p99 and throughput to its baseline's. {@code
 * -Dbench.only=<text>} runs only the scenarios whose name contains the text (to profile one; ratios
 * to a baseline left out are then 1); {@code -Dbench.rounds=N} measures each N times and pools the
 * rounds.
 */
final class BenchRun {
  private BenchRun() {}

  static Map<Scenario, LoadResult> runAndPrint(LoadGenerator load, List<Scenario> all)
      throws InterruptedException {
    // -Dbench.only=<text>: only the scenarios whose name contains it (to profile one).
    String only = System.getProperty("bench.only", "");
    List<Scenario> scenarios = all.stream().filter(s -> s.name().contains(only)).toList();
    for (Scenario scenario : scenarios) {
      load.warmUp(scenario.call());
    }
    // -Dbench.rounds=N: each scenario measured N times and its rounds pooled; each round starts one
    // scenario further down the list, so that with N a multiple of their number every scenario is
    // measured as often in each position (what a scenario leaves behind, such as spans still being
    // exported, then weighs on all alike).
    int rounds = Math.max(1, Integer.getInteger("bench.rounds", 1));
    Map<Scenario, LoadResult> results = new LinkedHashMap<>();
    scenarios.forEach(s -> results.put(s, null)); // printed in list order, whatever ran first
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < scenarios.size(); i++) {
        Scenario scenario = scenarios.get((round + i) % scenarios.size());
        LoadResult measured = load.measure(scenario.name(), scenario.call());
        results.merge(scenario, measured, LoadResult::pooled); // a null value counts as absent
      }
    }
    System.out.printf(
        "%-40s %9s %9s %10s %9s %9s %9s  %s%n",
        "scenario", "p50 ms", "p99 ms", "calls/s", "p50 x", "p99 x", "calls/s x", "compared with");
    results.forEach(
        (scenario, r) -> {
          LoadResult base =
              results.getOrDefault(scenario.baseline() == null ? scenario : scenario.baseline(), r);
          System.out.printf(
              "%-40s %9.3f %9.3f %10.0f %9.2f %9.2f %9.3f  %s%n",
              r.name(),
              r.percentileMillis(0.50),
              r.percentileMillis(0.99),
              r.throughput(),
              r.percentileMillis(0.50) / base.percentileMillis(0.50),
              r.percentileMillis(0.99) / base.percentileMillis(0.99),
              r.throughput() / base.throughput(),
              scenario.baseline() == null ? "(baseline)" : scenario.baseline().name());
        });
    return results;
  }

  /** The load generator the system properties describe (see each benchmark's Javadoc). */
  static LoadGenerator loadFromSystemProperties() {
    return new LoadGenerator(
        Integer.getInteger("bench.concurrency", 8),
        java.time.Duration.ofSeconds(Integer.getInteger("bench.warmup", 5)),
        java.time.Duration.ofSeconds(Integer.getInteger("bench.seconds", 10)));
  }
}
