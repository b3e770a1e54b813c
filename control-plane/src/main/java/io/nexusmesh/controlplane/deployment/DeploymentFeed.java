package io.nexusmesh.controlplane.deployment;

import io.nexusmesh.api.controlplane.v1.Deployment;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.BiConsumer;
import org.springframework.stereotype.Component;

/**
 * Rollout changes inside this process: every new deployment and every change of its state on a
 * gateway is handed to each subscriber (WatchDeployments streams) with its organisation.
 */
@Component
public class DeploymentFeed {
  private final Set<BiConsumer<String, Deployment>> subscribers = new CopyOnWriteArraySet<>();

  /** Hands {@code deployment} of {@code org}, as it is now, to every subscriber. */
  public void publish(String org, Deployment deployment) {
    for (BiConsumer<String, Deployment> subscriber : subscribers) {
      subscriber.accept(org, deployment);
    }
  }

  /** Subscribes; close the result to stop. */
  public AutoCloseable subscribe(BiConsumer<String, Deployment> subscriber) {
    subscribers.add(subscriber);
    return () -> subscribers.remove(subscriber);
  }
}
