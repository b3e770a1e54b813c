package io.nexusmesh.controlplane.panel.k8s;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.nexusmesh.controlplane.panel.k8s.PanelReconciler.PanelKey;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a control-plane replica that does not lead tells the one that does that a panel changed: it
 * stamps the panel's key ({@code <org>.<name>}) with the time in the ConfigMap {@value #CONFIG_MAP}
 * by a JSON merge patch (no read-modify-write, so replicas never conflict), and the leader's
 * reconciler, watching that one ConfigMap, queues every key whose stamp moved. The leader drops
 * stamps older than its resync period, which covers them anyway. Replicas share no other channel
 * (their database has no notifications on H2), and the API server is one they all reach already.
 */
public final class PanelChangeSignals {
  /** The ConfigMap, in the panels' namespace. */
  public static final String CONFIG_MAP = "nexus-panel-changes";

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private final KubernetesClient client;
  private final String namespace;
  private final Clock clock;

  public PanelChangeSignals(KubernetesClient client, String namespace, Clock clock) {
    this.client = requireNonNull(client, "client");
    this.namespace = requireNonNull(namespace, "namespace");
    this.clock = requireNonNull(clock, "clock");
  }

  /** Tells the leader that panel {@code name} of {@code org} changed. */
  public void signal(String org, String name) {
    String key = org + "." + name;
    String stamp = clock.instant().toString();
    var configMap = client.configMaps().inNamespace(namespace).withName(CONFIG_MAP);
    String patch = JSON.asJson(Map.of("data", Map.of(key, stamp)));
    try {
      configMap.patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      try {
        client
            .configMaps()
            .inNamespace(namespace)
            .resource(
                new ConfigMapBuilder()
                    .withNewMetadata()
                    .withName(CONFIG_MAP)
                    .withNamespace(namespace)
                    .addToLabels(PanelNames.MANAGED_BY, PanelNames.MANAGER)
                    .endMetadata()
                    .withData(Map.of(key, stamp))
                    .build())
            .create();
      } catch (KubernetesClientException raced) {
        if (raced.getCode() != 409) {
          throw raced;
        }
        configMap.patch(PatchContext.of(PatchType.JSON_MERGE), patch);
      }
    }
  }

  /** The panels whose stamps differ between {@code before} (null: none) and {@code after}. */
  static List<PanelKey> changed(ConfigMap before, ConfigMap after) {
    Map<String, String> old = before == null ? Map.of() : data(before);
    List<PanelKey> keys = new ArrayList<>();
    data(after)
        .forEach(
            (key, stamp) -> {
              if (!stamp.equals(old.get(key))) {
                keyOf(key).ifPresent(keys::add);
              }
            });
    return keys;
  }

  /** Drops the stamps older than {@code cutoff} (the leader, now and then). */
  void prune(Instant cutoff) {
    var configMap = client.configMaps().inNamespace(namespace).withName(CONFIG_MAP);
    ConfigMap held = configMap.get();
    if (held == null) {
      return;
    }
    Map<String, String> removed = new HashMap<>();
    data(held)
        .forEach(
            (key, stamp) -> {
              if (olderThan(stamp, cutoff)) {
                removed.put(key, null);
              }
            });
    if (!removed.isEmpty()) {
      // A merge patch's null deletes the key, leaving stamps written meanwhile alone.
      Map<String, Object> patch = new HashMap<>();
      patch.put("data", removed);
      configMap.patch(PatchContext.of(PatchType.JSON_MERGE), JSON.asJson(patch));
    }
  }

  private static boolean olderThan(String stamp, Instant cutoff) {
    try {
      return Instant.parse(stamp).isBefore(cutoff);
    } catch (DateTimeParseException e) {
      return true;
    }
  }

  private static Map<String, String> data(ConfigMap configMap) {
    return configMap.getData() == null ? Map.of() : configMap.getData();
  }

  private static Optional<PanelKey> keyOf(String key) {
    int dot = key.lastIndexOf('.');
    return dot <= 0 || dot == key.length() - 1
        ? Optional.empty()
        : Optional.of(new PanelKey(key.substring(0, dot), key.substring(dot + 1)));
  }
}
