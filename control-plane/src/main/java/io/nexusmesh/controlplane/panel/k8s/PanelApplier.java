package io.nexusmesh.controlplane.panel.k8s;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the cluster hold exactly a panel's manifests: creates what is missing, replaces what
 * differs from its manifest, deletes what the panel made and no longer needs (its pod once
 * stopped), and makes the panel's service account the owner of everything else so that Kubernetes'
 * garbage collector removes a panel whole even if the panel manager never returns.
 *
 * <p>"Differs" is judged by a digest of the manifest kept in the annotation {@value #DIGEST}: the
 * API server adds defaults to what it stores, so comparing the live object with the manifest would
 * see a change on every pass. Server-side apply would judge field by field, but Fabric8's mock API
 * server (which the tests run against) does not support it. A pod cannot be changed in place: one
 * whose manifest changed is deleted and made again; a PVC is never rewritten.
 */
public final class PanelApplier {
  /** The annotation holding the digest of the manifest an object was written from. */
  public static final String DIGEST = "nexus.io/manifest-digest";

  private static final Logger log = LoggerFactory.getLogger(PanelApplier.class);
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private final KubernetesClient client;

  public PanelApplier(KubernetesClient client) {
    this.client = requireNonNull(client, "client");
  }

  /**
   * Applies {@code manifests} (the anchor service account first) in {@code namespace}, then deletes
   * those of {@code live} (what the panel made, as the caches hold it) that no manifest names;
   * returns whether it wrote anything.
   */
  public boolean apply(
      String namespace, List<HasMetadata> manifests, List<GenericKubernetesResource> live) {
    boolean wrote = false;
    OwnerReference owner = null;
    for (HasMetadata manifest : manifests) {
      GenericKubernetesResource desired = generic(manifest);
      desired.getMetadata().setNamespace(namespace);
      desired.getMetadata().getAnnotations().put(DIGEST, digest(manifest));
      if (owner != null) {
        desired.getMetadata().setOwnerReferences(List.of(owner));
      }
      Written written = write(namespace, desired);
      wrote |= written.changed();
      if (owner == null) {
        owner = ownerReference(written.held());
      }
    }
    Set<String> wanted =
        manifests.stream().map(PanelApplier::key).collect(Collectors.toUnmodifiableSet());
    for (GenericKubernetesResource object : live) {
      if (!wanted.contains(key(object))) {
        log.info("deleting {} {}: its panel no longer needs it", object.getKind(), name(object));
        ops(object).inNamespace(namespace).withName(name(object)).delete();
        wrote = true;
      }
    }
    return wrote;
  }

  /** Deletes everything of {@code live} (the panel is gone). */
  public void deleteAll(String namespace, List<GenericKubernetesResource> live) {
    for (GenericKubernetesResource object : live) {
      ops(object).inNamespace(namespace).withName(name(object)).delete();
    }
  }

  /** What writing one manifest left: the object as the cluster holds it, and whether it wrote. */
  private record Written(GenericKubernetesResource held, boolean changed) {}

  /** Writes {@code desired} unless the cluster holds it already. */
  private Written write(String namespace, GenericKubernetesResource desired) {
    var resource = ops(desired).inNamespace(namespace).withName(name(desired));
    GenericKubernetesResource current = resource.get();
    if (current == null) {
      try {
        return new Written(ops(desired).inNamespace(namespace).resource(desired).create(), true);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        current = resource.require();
      }
    }
    String digest = desired.getMetadata().getAnnotations().get(DIGEST);
    Map<String, String> annotations = current.getMetadata().getAnnotations();
    if (annotations != null && digest.equals(annotations.get(DIGEST))
        || "PersistentVolumeClaim".equals(desired.getKind())) {
      return new Written(current, false);
    }
    if (ManagedKind.of(desired).equals(ManagedKind.POD)) {
      log.info("pod {} changed: deleting it to make it again", name(desired));
      resource.delete();
      return new Written(current, true);
    }
    desired.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
    keepAssigned(current, desired);
    log.info("{} {} differs from its manifest: replacing it", desired.getKind(), name(desired));
    return new Written(ops(desired).inNamespace(namespace).resource(desired).update(), true);
  }

  /** A Service's cluster IPs are the API server's to assign: an update keeps them. */
  @SuppressWarnings("unchecked")
  private static void keepAssigned(
      GenericKubernetesResource current, GenericKubernetesResource desired) {
    if (!"Service".equals(desired.getKind()) || !"v1".equals(desired.getApiVersion())) {
      return;
    }
    Object held = current.getAdditionalProperties().get("spec");
    Object wanted = desired.getAdditionalProperties().get("spec");
    if (held instanceof Map<?, ?> from && wanted instanceof Map<?, ?> to) {
      Map<String, Object> spec = new HashMap<>((Map<String, Object>) to);
      for (String field : List.of("clusterIP", "clusterIPs")) {
        if (from.get(field) != null) {
          spec.put(field, from.get(field));
        }
      }
      desired.getAdditionalProperties().put("spec", spec);
    }
  }

  private static OwnerReference ownerReference(GenericKubernetesResource anchor) {
    return new OwnerReferenceBuilder()
        .withApiVersion(anchor.getApiVersion())
        .withKind(anchor.getKind())
        .withName(name(anchor))
        .withUid(anchor.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(false)
        .build();
  }

  private io.fabric8.kubernetes.client.dsl.MixedOperation<
          GenericKubernetesResource,
          io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
          io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>>
      ops(GenericKubernetesResource object) {
    return client.genericKubernetesResources(ManagedKind.of(object).context());
  }

  /** {@code manifest} as a generic resource, with annotations to add to. */
  static GenericKubernetesResource generic(HasMetadata manifest) {
    GenericKubernetesResource generic =
        manifest instanceof GenericKubernetesResource g
            ? JSON.clone(g)
            : JSON.convertValue(manifest, GenericKubernetesResource.class);
    if (generic.getMetadata().getAnnotations() == null) {
      generic.getMetadata().setAnnotations(new HashMap<>());
    } else {
      generic.getMetadata().setAnnotations(new HashMap<>(generic.getMetadata().getAnnotations()));
    }
    return generic;
  }

  /** The digest of {@code manifest} as the panel manager writes it. */
  static String digest(HasMetadata manifest) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(JSON.asJson(manifest).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256", e);
    }
  }

  private static String key(HasMetadata object) {
    return object.getApiVersion() + "/" + object.getKind() + "/" + object.getMetadata().getName();
  }

  private static String name(HasMetadata object) {
    return object.getMetadata().getName();
  }
}
