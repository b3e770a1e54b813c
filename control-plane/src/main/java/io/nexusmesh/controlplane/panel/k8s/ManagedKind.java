package io.nexusmesh.controlplane.panel.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.List;

/**
 * A kind of resource the panel manager makes, named by its API group, version and plural so that
 * one generic client, one informer per kind and one apply path serve them all (Knative's Service
 * included, which has no typed model here).
 *
 * @param context the kind's API coordinates
 */
public record ManagedKind(ResourceDefinitionContext context) {
  /** Knative Serving's Service. */
  public static final ManagedKind KNATIVE_SERVICE =
      new ManagedKind(
          new ResourceDefinitionContext.Builder()
              .withGroup("serving.knative.dev")
              .withVersion("v1")
              .withKind("Service")
              .withPlural("services")
              .withNamespaced(true)
              .build());

  /** The pods the panel manager makes (studio panels'). */
  public static final ManagedKind POD = of(Pod.class);

  /** Every kind, the anchor (a panel's service account, which owns the rest) first. */
  public static final List<ManagedKind> ALL =
      List.of(
          of(ServiceAccount.class),
          of(NetworkPolicy.class),
          of(Role.class),
          of(RoleBinding.class),
          of(PersistentVolumeClaim.class),
          of(Service.class),
          of(Secret.class),
          POD,
          KNATIVE_SERVICE);

  private static ManagedKind of(Class<? extends HasMetadata> type) {
    return new ManagedKind(ResourceDefinitionContext.fromResourceType(type));
  }

  /** The kind of {@code resource}. */
  public static ManagedKind of(GenericKubernetesResource resource) {
    return ALL.stream()
        .filter(k -> k.matches(resource))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "not a kind the panel manager makes: "
                        + resource.getApiVersion()
                        + " "
                        + resource.getKind()));
  }

  /** {@code apiVersion} as manifests spell it. */
  public String apiVersion() {
    String group = context.getGroup();
    return group == null || group.isEmpty()
        ? context.getVersion()
        : group + "/" + context.getVersion();
  }

  /** Whether {@code resource} is of this kind. */
  public boolean matches(GenericKubernetesResource resource) {
    return apiVersion().equals(resource.getApiVersion())
        && context.getKind().equals(resource.getKind());
  }

  @Override
  public String toString() {
    return apiVersion() + " " + context.getKind();
  }
}
