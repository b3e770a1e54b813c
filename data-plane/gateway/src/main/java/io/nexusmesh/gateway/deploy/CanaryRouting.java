package io.nexusmesh.gateway.deploy;

import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.runtime.canary.CanarySide;

/**
 * Resolves a canary deployment into the one version a call runs. The pushed {@link
 * DeployedWorkflow} of a canary carries both versions; a call's sticky key picks its side (see
 * {@link CanarySide}), and the execution records the version it ran, so a resumed execution keeps
 * running the spec it started with whatever happens to the canary meanwhile.
 */
public final class CanaryRouting {
  private CanaryRouting() {}

  /**
   * The deployment as the call with {@code stickyKey} (a session id, else a request id, else empty)
   * runs it: unchanged when it is no canary, else its own version or its baseline, without the
   * split.
   */
  public static DeployedWorkflow choose(DeployedWorkflow deployment, String stickyKey) {
    if (!deployment.hasCanary()) {
      return deployment;
    }
    var split = deployment.getCanary();
    if (CanarySide.inCanary(deployment.getDeploymentId(), split.getPercent(), stickyKey)) {
      return deployment.toBuilder().clearCanary().build();
    }
    return deployment.toBuilder()
        .clearCanary()
        .setVersion(split.getBaselineVersion())
        .setSpec(split.getBaselineSpec())
        .build();
  }

  /** The sticky key of a call: its session id, else its request id (either may be empty). */
  public static String stickyKey(String sessionId, String requestId) {
    return sessionId.isEmpty() ? requestId : sessionId;
  }
}
