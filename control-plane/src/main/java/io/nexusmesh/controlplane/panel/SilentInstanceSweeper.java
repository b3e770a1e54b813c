package io.nexusmesh.controlplane.panel;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.controlplane.deployment.RolloutPusher;
import io.nexusmesh.controlplane.store.ApiKeyStore;
import io.nexusmesh.controlplane.store.PanelStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Withdraws panel instances whose sidecar stopped reporting (three heartbeat intervals without a
 * word: it crashed or lost the network), so gateways stop listing their tools. The sidecar's next
 * report, if it comes back, registers the instance again.
 */
@Component
public class SilentInstanceSweeper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SilentInstanceSweeper.class);
  private static final Duration SILENCE = PanelGrpcService.HEARTBEAT_INTERVAL.multipliedBy(3);

  private final PanelStore store;
  private final ApiKeyStore generations;
  private final RolloutPusher pusher;
  private final TransactionTemplate transactions;
  private final Clock clock;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("panel-sweeper").factory());

  public SilentInstanceSweeper(
      PanelStore store,
      ApiKeyStore generations,
      RolloutPusher pusher,
      TransactionTemplate transactions,
      Clock clock) {
    this.store = requireNonNull(store, "store");
    this.generations = requireNonNull(generations, "generations");
    this.pusher = requireNonNull(pusher, "pusher");
    this.transactions = requireNonNull(transactions, "transactions");
    this.clock = requireNonNull(clock, "clock");
    long period = PanelGrpcService.HEARTBEAT_INTERVAL.toMillis();
    timer.scheduleWithFixedDelay(this::sweepQuietly, period, period, TimeUnit.MILLISECONDS);
  }

  /** Withdraws the silent instances now; returns the organisations that lost one. */
  public List<String> sweep() {
    List<String> orgs =
        requireNonNull(
            transactions.execute(
                status -> {
                  List<String> lost = store.withdrawSilentSince(clock.instant().minus(SILENCE));
                  lost.forEach(generations::advanceGeneration);
                  return lost;
                }));
    for (String org : orgs) {
      log.info("withdrew the silent panel instances of org {}", org);
      pusher.refreshKeys(org);
    }
    return orgs;
  }

  private void sweepQuietly() {
    try {
      sweep();
    } catch (RuntimeException e) {
      log.warn("panel instance sweep failed; trying again in {}", SILENCE, e);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
