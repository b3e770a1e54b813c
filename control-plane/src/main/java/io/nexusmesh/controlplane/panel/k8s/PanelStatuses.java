package io.nexusmesh.controlplane.panel.k8s;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.nexusmesh.api.controlplane.v1.PanelPhase;
import io.nexusmesh.api.controlplane.v1.PanelStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A panel's status from what the cluster shows of it, by a pure function: a studio panel's from its
 * pod's phase, readiness and container states (an image that cannot be pulled or a container that
 * keeps crashing is a failure with the kubelet's words); an app panel's from its Knative Service's
 * {@code Ready} condition, URL and latest ready revision.
 */
public final class PanelStatuses {
  private static final int MAX_ERROR = 2048;

  private PanelStatuses() {}

  /** A studio panel's status: {@code pod} is its pod, if the cluster has one. */
  public static PanelStatus studio(boolean started, Optional<Pod> pod) {
    if (pod.isEmpty() || pod.get().getStatus() == null) {
      return started
          ? of(PanelPhase.PANEL_PHASE_PENDING, "")
          : of(PanelPhase.PANEL_PHASE_STOPPED, "");
    }
    Pod live = pod.get();
    String name = live.getMetadata().getName();
    if (!started || live.getMetadata().getDeletionTimestamp() != null) {
      return PanelStatus.newBuilder().setPhase(PanelPhase.PANEL_PHASE_STOPPED).setPod(name).build();
    }
    Optional<String> failure = containerFailure(live);
    String phase = String.valueOf(live.getStatus().getPhase());
    PanelPhase result =
        switch (phase) {
          case "Failed", "Succeeded" -> PanelPhase.PANEL_PHASE_FAILED;
          case "Running" ->
              failure.isPresent()
                  ? PanelPhase.PANEL_PHASE_FAILED
                  : ready(live) ? PanelPhase.PANEL_PHASE_RUNNING : PanelPhase.PANEL_PHASE_PENDING;
          default ->
              failure.isPresent() ? PanelPhase.PANEL_PHASE_FAILED : PanelPhase.PANEL_PHASE_PENDING;
        };
    String error =
        failure.orElse(
            result == PanelPhase.PANEL_PHASE_FAILED
                ? "pod " + phase + ": " + String.valueOf(live.getStatus().getMessage())
                : "");
    return PanelStatus.newBuilder().setPhase(result).setPod(name).setLastError(clip(error)).build();
  }

  /** An app panel's status: {@code service} is its Knative Service, if the cluster has one. */
  public static PanelStatus app(boolean started, Optional<GenericKubernetesResource> service) {
    if (!started) {
      return of(PanelPhase.PANEL_PHASE_STOPPED, "");
    }
    if (service.isEmpty()) {
      return of(PanelPhase.PANEL_PHASE_PENDING, "");
    }
    Map<String, Object> status = map(service.get().getAdditionalProperties().get("status"));
    PanelStatus.Builder result =
        PanelStatus.newBuilder()
            .setUrl(text(status.get("url")))
            .setRevision(text(status.get("latestReadyRevisionName")));
    Map<String, Object> ready =
        list(status.get("conditions")).stream()
            .map(PanelStatuses::map)
            .filter(c -> "Ready".equals(c.get("type")))
            .findFirst()
            .orElse(Map.of());
    switch (text(ready.get("status"))) {
      case "True" -> result.setPhase(PanelPhase.PANEL_PHASE_RUNNING);
      case "False" ->
          result
              .setPhase(PanelPhase.PANEL_PHASE_FAILED)
              .setLastError(clip(text(ready.get("reason")) + ": " + text(ready.get("message"))));
      default -> result.setPhase(PanelPhase.PANEL_PHASE_PENDING);
    }
    return result.build();
  }

  /** A failure the panel manager met itself (the API server refused a write, say). */
  public static PanelStatus failed(String error) {
    return of(PanelPhase.PANEL_PHASE_FAILED, clip(error));
  }

  private static boolean ready(Pod pod) {
    return Stream.ofNullable(pod.getStatus().getConditions())
        .flatMap(List::stream)
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** A container waiting for a reason that will not pass by itself, or terminated in error. */
  private static Optional<String> containerFailure(Pod pod) {
    return Stream.concat(
            Stream.ofNullable(pod.getStatus().getInitContainerStatuses()).flatMap(List::stream),
            Stream.ofNullable(pod.getStatus().getContainerStatuses()).flatMap(List::stream))
        .map(PanelStatuses::failure)
        .flatMap(Optional::stream)
        .findFirst();
  }

  private static Optional<String> failure(ContainerStatus container) {
    var state = container.getState();
    if (state == null) {
      return Optional.empty();
    }
    if (state.getWaiting() != null) {
      String reason = String.valueOf(state.getWaiting().getReason());
      if (List.of(
              "ErrImagePull",
              "ImagePullBackOff",
              "InvalidImageName",
              "CrashLoopBackOff",
              "CreateContainerConfigError",
              "CreateContainerError",
              "RunContainerError")
          .contains(reason)) {
        return Optional.of(
            container.getName() + ": " + reason + ": " + text(state.getWaiting().getMessage()));
      }
    }
    return Optional.empty();
  }

  private static PanelStatus of(PanelPhase phase, String error) {
    return PanelStatus.newBuilder().setPhase(phase).setLastError(error).build();
  }

  private static String clip(String text) {
    return text.length() <= MAX_ERROR ? text : text.substring(0, MAX_ERROR);
  }

  private static String text(Object value) {
    return value == null ? "" : value.toString();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  private static List<?> list(Object value) {
    return value instanceof List<?> l ? l : List.of();
  }
}
