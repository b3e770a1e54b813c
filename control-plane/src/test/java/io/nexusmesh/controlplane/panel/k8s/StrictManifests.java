package io.nexusmesh.controlplane.panel.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses manifests into Fabric8's typed model and refuses any field the model does not know
 * (Fabric8 keeps those in {@code additionalProperties} instead of failing): a misspelt {@code
 * runtimeClasName} must fail a test, not vanish. A Knative Service is generic to Fabric8; its pod
 * template is parsed as a {@link PodSpec} by the same rule.
 */
final class StrictManifests {
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private StrictManifests() {}

  /** {@code manifest} written as YAML and read back strictly. */
  static HasMetadata roundTrip(HasMetadata manifest) {
    return parse(JSON.asYaml(manifest)).getFirst();
  }

  /** Every document of {@code yaml}, typed; an IllegalArgumentException names an unknown field. */
  static List<HasMetadata> parse(String yaml) {
    List<HasMetadata> all = new ArrayList<>();
    for (String document : yaml.split("(?m)^---\\s*$")) {
      if (document.isBlank() || document.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) {
        continue;
      }
      Object parsed = JSON.unmarshal(document);
      if (!(parsed instanceof HasMetadata manifest)) {
        throw new IllegalArgumentException("not a Kubernetes resource: " + document);
      }
      String where = manifest.getKind() + " " + manifest.getMetadata().getName();
      if (manifest instanceof GenericKubernetesResource generic) {
        knownOnly(where, knativePodSpec(generic));
      } else {
        knownOnly(where, manifest);
      }
      all.add(manifest);
    }
    return all;
  }

  @SuppressWarnings("unchecked")
  private static Object knativePodSpec(GenericKubernetesResource generic) {
    if (!PanelManifests.KNATIVE_API.equals(generic.getApiVersion())) {
      return generic.getMetadata();
    }
    Map<String, Object> spec = (Map<String, Object>) generic.getAdditionalProperties().get("spec");
    Map<String, Object> template = (Map<String, Object>) spec.get("template");
    return JSON.convertValue(template.get("spec"), PodSpec.class);
  }

  /** Fails when any object in {@code root}'s tree holds fields its type does not declare. */
  static void knownOnly(String where, Object root) {
    walk(where, root, "", new IdentityHashMap<>());
  }

  private static void walk(String where, Object node, String path, Map<Object, Boolean> seen) {
    if (node == null || seen.put(node, Boolean.TRUE) != null) {
      return;
    }
    if (node instanceof Collection<?> list) {
      int i = 0;
      for (Object item : list) {
        walk(where, item, path + "[" + i++ + "]", seen);
      }
      return;
    }
    if (node instanceof Map<?, ?> map) {
      map.forEach((k, v) -> walk(where, v, path + "." + k, seen));
      return;
    }
    if (!(node instanceof KubernetesResource)) {
      return;
    }
    for (Method getter : node.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")) {
        continue;
      }
      if (getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value;
      try {
        value = getter.invoke(node);
      } catch (ReflectiveOperationException e) {
        continue;
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          throw new IllegalArgumentException(
              where
                  + ": unknown field(s) "
                  + extra.keySet()
                  + " at "
                  + (path.isEmpty() ? "." : path));
        }
        continue;
      }
      String field = getter.getName().substring(3);
      walk(
          where,
          value,
          path + "." + Character.toLowerCase(field.charAt(0)) + field.substring(1),
          seen);
    }
  }
}
