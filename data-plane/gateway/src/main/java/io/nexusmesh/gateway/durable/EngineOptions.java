package io.nexusmesh.gateway.durable;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.gateway.engine.Bulkheads;
import io.nexusmesh.gateway.payload.Payloads;
import java.time.Duration;

/**
 * How the durable engine ({@link Executions}) behaves.
 *
 * @param owner this gateway instance's id, stored in the leases it holds
 * @param leaseTtl how long a lease outlives its last renewal; a dead gateway's executions are
 *     resumed elsewhere after about this long
 * @param retention how long finished executions stay readable
 * @param parkAfter a durable execution that would wait longer than this (for a signal or a timer)
 *     is parked in Redis, holding no thread and no memory, and woken on any gateway; negative:
 *     never parked
 * @param bulkheads the concurrency limits of the downstreams steps call (panels, models)
 * @param payloads where inputs, outputs and journal entries too large for Redis go
 */
public record EngineOptions(
    String owner,
    Duration leaseTtl,
    Duration retention,
    Duration parkAfter,
    Bulkheads bulkheads,
    Payloads payloads) {
  public EngineOptions {
    requireNonNull(owner, "owner");
    if (leaseTtl.toMillis() < 300) {
      throw new IllegalArgumentException("leaseTtl: " + leaseTtl + " (expected: >= 300ms)");
    }
    requireNonNull(retention, "retention");
    requireNonNull(parkAfter, "parkAfter");
    requireNonNull(bulkheads, "bulkheads");
    requireNonNull(payloads, "payloads");
  }
}
