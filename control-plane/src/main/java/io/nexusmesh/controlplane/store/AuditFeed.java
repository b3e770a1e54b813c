package io.nexusmesh.controlplane.store;

import io.nexusmesh.api.controlplane.v1.AuditEvent;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;
import org.springframework.stereotype.Component;

/**
 * The live tail of the audit trail inside this process: committed events are handed to every
 * subscriber (gRPC streams, SSE). Subscribers filter by organisation themselves.
 */
@Component
public class AuditFeed {
  private final Set<Consumer<AuditEvent>> subscribers = new CopyOnWriteArraySet<>();

  /** Hands a committed event to every subscriber. */
  public void publish(AuditEvent event) {
    for (Consumer<AuditEvent> subscriber : subscribers) {
      subscriber.accept(event);
    }
  }

  /** Subscribes; close the result to stop. */
  public AutoCloseable subscribe(Consumer<AuditEvent> subscriber) {
    subscribers.add(subscriber);
    return () -> subscribers.remove(subscriber);
  }
}
