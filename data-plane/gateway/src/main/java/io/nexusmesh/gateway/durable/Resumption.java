package io.nexusmesh.gateway.durable;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How durable executions come back to a gateway: its leases renewed, orphans (their owner's lease
 * expired) resumed by the recovery scan, parked executions claimed when due by the wake-up scan or
 * at once when this gateway received what they wait for. Runs on the engine's timer thread; each
 * resumption on a virtual thread of its own.
 */
final class Resumption {
  private static final Logger log = LoggerFactory.getLogger(Executions.class);

  /** How many due executions one scan claims at most (it scans again at once when it got all). */
  private static final int WAKE_BATCH = 256;

  /** What the engine tells and does for its resumptions. */
  interface Host {
    /** Whether this gateway runs {@code id} now. */
    boolean runsHere(String id);

    /** The durable executions this gateway runs now (their leases to renew). */
    List<String> durableHere();

    /** Runs {@code stored} here from {@code journal}; this gateway holds its lease. */
    void launch(ExecutionStore.Stored stored, RedisJournal journal);

    /** Whether the engine is shutting down. */
    boolean closing();
  }

  private final ExecutionStore store;
  private final ParkingLot parking;
  private final EngineOptions options;
  private final Clock clock;
  private final Host host;

  Resumption(
      ExecutionStore store, ParkingLot parking, EngineOptions options, Clock clock, Host host) {
    this.store = requireNonNull(store, "store");
    this.parking = requireNonNull(parking, "parking");
    this.options = requireNonNull(options, "options");
    this.clock = requireNonNull(clock, "clock");
    this.host = requireNonNull(host, "host");
  }

  /**
   * Runs {@code id} here, from its journal: this gateway just claimed it out of the parking lot.
   */
  void resumeLater(String id) {
    Thread.ofVirtual().name("resume-" + id).start(() -> resume(id));
  }

  private void resume(String id) {
    try {
      Optional<ExecutionStore.Stored> stored = store.find(id);
      if (stored.isEmpty() || Executions.isFinal(stored.get().execution().getStatus())) {
        store.forget(id);
        return;
      }
      host.launch(stored.get(), new RedisJournal(store, id, null));
    } catch (RuntimeException e) {
      // Its lease lapses and the recovery scan of some gateway resumes it.
      log.warn("could not resume execution {} here; a recovery scan will", id, e);
    }
  }

  /** Claims and resumes the parked executions that are due (timers, timeouts, deadlines). */
  void wakeDue() {
    if (host.closing()) {
      return;
    }
    try {
      List<String> due;
      do {
        due = parking.claimDue(clock.millis(), WAKE_BATCH, options.owner(), options.leaseTtl());
        due.forEach(this::resumeLater);
      } while (due.size() == WAKE_BATCH && !host.closing());
    } catch (RuntimeException e) {
      if (!host.closing()) {
        log.warn("wake-up scan failed", e);
      }
    }
  }

  void renewLeases() {
    try {
      store.renewLeases(host.durableHere(), options.owner(), options.leaseTtl());
    } catch (RuntimeException e) {
      log.warn("could not renew execution leases", e);
    }
  }

  void recover() {
    if (host.closing()) {
      return;
    }
    try {
      for (String id : store.running()) {
        if (host.runsHere(id) || !store.tryLease(id, options.owner(), options.leaseTtl())) {
          continue;
        }
        Optional<ExecutionStore.Stored> stored = store.find(id);
        if (stored.isEmpty() || Executions.isFinal(stored.get().execution().getStatus())) {
          store.forget(id);
          continue;
        }
        if (!claimedBy(stored.get(), id)) {
          // Its gateway died between creating it and claiming its request id, and the caller's
          // retry started another execution that did: this one was never handed to anyone.
          log.info("discarding execution {}: its request id belongs to another execution", id);
          store.discard(stored.get().org(), id);
          continue;
        }
        log.info(
            "resuming execution {} of {} from its journal: its owner's lease expired",
            id,
            stored.get().org());
        host.launch(stored.get(), new RedisJournal(store, id, null));
      }
    } catch (RuntimeException e) {
      if (!host.closing()) {
        log.warn("recovery scan failed", e);
      }
    }
  }

  /** Whether {@code id} holds its request id (claiming it now if nobody did), or had none. */
  private boolean claimedBy(ExecutionStore.Stored stored, String id) {
    String requestId = store.requestId(id);
    if (requestId == null) {
      return true;
    }
    return store
        .claimRequest(stored.org(), requestId, id, options.retention())
        .map(id::equals)
        .orElse(true);
  }
}
