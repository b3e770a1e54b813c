package io.nexusmesh.bench;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.gateway.v1.SignalExecutionRequest;
import io.nexusmesh.api.gateway.v1.StartExecutionRequest;
import io.nexusmesh.api.gateway.v1.WatchExecutionRequest;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a waiting execution costs its gateway, measured in one run: a durable {@code approval}
 * workflow (one wait for a signal, then a transform) started {@code bench.waiting} times (default
 * 100,000) on a gateway that parks waits in Redis, against {@code bench.baselineWaiting} (default
 * 2,000) on a gateway that holds them in memory ({@code NEXUS_GATEWAY_PARK_AFTER=never}, the engine
 * before parking). For each: the heap after a full GC per waiting execution, the Redis memory per
 * waiting execution, and the wake-up latency of {@code bench.wakeups} (default 500) of them, one at
 * a time: from sending {@code SignalExecution} to the {@code ExecutionCompleted} event on a {@code
 * WatchExecution} stream opened before. Both gateways run in this JVM, one after the other.
 */
public final class WaitingBenchmark {
  private static final String APPROVAL =
      """
      {"nodes": [{"id": "approve", "wait": {"signal": {"name": "approved"}}},
                 {"id": "after", "transform": {"expression": "{'by': nodes.approve.by}"}}],
       "edges": [{"from": "approve", "to": "after"}]}""";

  private WaitingBenchmark() {}

  /** What one gateway's waiting executions cost. */
  private record Cost(
      String name, int waiting, double heapBytesEach, double redisBytesEach, LoadResult wakeups) {}

  public static void main(String[] args) throws Exception {
    int waiting = Integer.getInteger("bench.waiting", 100_000);
    int baselineWaiting = Integer.getInteger("bench.baselineWaiting", 2_000);
    int wakeups = Integer.getInteger("bench.wakeups", 500);
    int callers = Integer.getInteger("bench.concurrency", 8);
    System.out.printf(
        "Nexus Mesh waiting-executions benchmark: %d cores, %d starting callers%n",
        Runtime.getRuntime().availableProcessors(), callers);
    Cost held =
        measure(
            "held in memory (park never)",
            Map.of("NEXUS_GATEWAY_PARK_AFTER", "never"),
            baselineWaiting,
            wakeups,
            callers);
    Cost parked = measure("parked in Redis (default)", Map.of(), waiting, wakeups, callers);
    System.out.printf(
        "%-30s %9s %12s %12s %10s %10s%n",
        "waiting executions", "count", "heap B each", "Redis B each", "wake p50", "wake p99");
    for (Cost cost : List.of(held, parked)) {
      System.out.printf(
          "%-30s %,9d %,12.0f %,12.0f %8.2fms %8.2fms%n",
          cost.name(),
          cost.waiting(),
          cost.heapBytesEach(),
          cost.redisBytesEach(),
          cost.wakeups().percentileMillis(0.50),
          cost.wakeups().percentileMillis(0.99));
    }
    System.out.printf(
        "parked / held: heap each x%.3f, wake p50 x%.2f, wake p99 x%.2f%n",
        parked.heapBytesEach() / held.heapBytesEach(),
        parked.wakeups().percentileMillis(0.50) / held.wakeups().percentileMillis(0.50),
        parked.wakeups().percentileMillis(0.99) / held.wakeups().percentileMillis(0.99));
    System.exit(0);
  }

  private static Cost measure(
      String name, Map<String, String> settings, int waiting, int wakeups, int callers)
      throws Exception {
    try (BenchGateway gateway = BenchGateway.start(false, settings)) {
      gateway.deploy("approval", APPROVAL);
      var stub = gateway.executions();
      // Warm the path, then measure from a settled heap.
      startAll(stub, 200, callers);
      long heapBefore = settledHeap();
      long redisBefore = gateway.redisUsedMemory();
      long started = System.nanoTime();
      List<String> ids = startAll(stub, waiting, callers);
      double startSeconds = (System.nanoTime() - started) / 1e9;
      Thread.sleep(1000); // the last runs park (or settle into their wait)
      long heapAfter = settledHeap();
      long redisAfter = gateway.redisUsedMemory();
      System.out.printf(
          "%s: %,d started in %.1f s (%,.0f/s); heap %,d -> %,d MB%n",
          name, waiting, startSeconds, waiting / startSeconds, heapBefore >> 20, heapAfter >> 20);
      long[] latencies = new long[Math.min(wakeups, ids.size())];
      for (int i = 0; i < latencies.length; i++) {
        latencies[i] = wake(stub, ids.get(i));
      }
      return new Cost(
          name,
          waiting,
          (heapAfter - heapBefore) / (double) waiting,
          (redisAfter - redisBefore) / (double) waiting,
          new LoadResult(name, latencies, 1));
    }
  }

  private static List<String> startAll(
      ExecutionServiceGrpc.ExecutionServiceBlockingStub stub, int count, int callers)
      throws Exception {
    List<String> ids = Collections.synchronizedList(new ArrayList<>(count));
    AtomicInteger left = new AtomicInteger(count);
    var request = StartExecutionRequest.newBuilder().setWorkflow("approval").build();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> workers = new ArrayList<>();
      for (int c = 0; c < callers; c++) {
        workers.add(
            threads.submit(
                () -> {
                  while (left.getAndDecrement() > 0) {
                    ids.add(stub.startExecution(request).getExecution().getId());
                  }
                  return null;
                }));
      }
      for (Future<?> worker : workers) {
        worker.get();
      }
    }
    return ids;
  }

  /** Nanoseconds from sending the signal to the completion event of {@code id}. */
  private static long wake(ExecutionServiceGrpc.ExecutionServiceBlockingStub stub, String id) {
    var events = stub.watchExecution(WatchExecutionRequest.newBuilder().setId(id).build());
    // The wait node's start comes first: once it is read, the stream is live.
    while (!events.next().getEvent().hasNodeStarted()) {
      // skip to it
    }
    Struct payload =
        Struct.newBuilder()
            .putFields("by", Value.newBuilder().setStringValue("bench").build())
            .build();
    long sent = System.nanoTime();
    stub.signalExecution(
        SignalExecutionRequest.newBuilder()
            .setId(id)
            .setSignal("approved")
            .setPayload(payload)
            .build());
    while (events.hasNext()) {
      if (events.next().getEvent().hasExecutionCompleted()) {
        return System.nanoTime() - sent;
      }
    }
    throw new IllegalStateException("execution " + id + " never completed");
  }

  private static long settledHeap() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
