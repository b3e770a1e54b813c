package io.nexusmesh.controlplane.deployment;

import static java.util.Objects.requireNonNull;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pushes waiting for one gateway, sent one at a time, in order, by a drainer of their own: a
 * gateway that is slow or retrying never delays another gateway's pushes. A push already waiting is
 * not queued twice; each push reads the store when it is sent, so the one waiting always sends the
 * newest state.
 */
final class GatewayPushQueue {
  private static final Logger log = LoggerFactory.getLogger(GatewayPushQueue.class);

  /** One thing to push. */
  sealed interface Push {}

  /** A deployment, with its organisation's key set. */
  record DeploymentPush(String deploymentId) implements Push {}

  /** The organisation's key set alone. */
  record KeySetPush() implements Push {}

  private final Executor executor;
  private final Consumer<Push> sender;
  private final LinkedHashSet<Push> waiting = new LinkedHashSet<>();
  private boolean draining;

  /**
   * @param executor runs the drainer (a virtual thread per drain is the intent)
   * @param sender sends one push, retrying as it sees fit; it returns when the push is done with
   */
  GatewayPushQueue(Executor executor, Consumer<Push> sender) {
    this.executor = requireNonNull(executor, "executor");
    this.sender = requireNonNull(sender, "sender");
  }

  /** Queues {@code push} unless it already waits, and starts draining if nobody is. */
  void offer(Push push) {
    synchronized (this) {
      waiting.add(push);
      if (draining) {
        return;
      }
      draining = true;
    }
    executor.execute(this::drain);
  }

  /** Whether nothing waits and nothing is being sent. */
  synchronized boolean idle() {
    return !draining && waiting.isEmpty();
  }

  private void drain() {
    while (true) {
      Push next;
      synchronized (this) {
        Iterator<Push> it = waiting.iterator();
        if (!it.hasNext()) {
          draining = false;
          return;
        }
        next = it.next();
        it.remove();
      }
      try {
        sender.accept(next);
      } catch (RuntimeException e) {
        // The sender records its own failures; one that escapes must not stop the queue.
        log.warn("push {} failed unexpectedly", next, e);
      }
      if (Thread.currentThread().isInterrupted()) {
        synchronized (this) {
          draining = false;
        }
        return;
      }
    }
  }
}
