package io.nexusmesh.sidecar;

import io.nexusmesh.sidecar.watchdog.IdleWatchdog;
import io.nexusmesh.sidecar.watchdog.PodDeleter;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code nexus-sidecar} as a process, configured by environment variables (see {@link
 * SidecarConfig}): in a pod beside the user container. The user container gets the app token the
 * sidecar expects in {@code NEXUS_APP_TOKEN} (set it for both from the pod's own secret).
 */
public final class SidecarMain {
  private static final Logger log = LoggerFactory.getLogger(SidecarMain.class);

  private SidecarMain() {}

  public static void main(String[] args) throws InterruptedException {
    SidecarConfig config = SidecarConfig.fromEnvironment(System.getenv());
    String appToken = System.getenv().getOrDefault("NEXUS_APP_TOKEN", "");
    String panel = System.getenv().getOrDefault("NEXUS_PANEL_NAME", "panel");
    CountDownLatch stopped = new CountDownLatch(1);
    // In a pod the idle watchdog deletes the pod; elsewhere it ends this process.
    Optional<PodDeleter> inPod = PodDeleter.inCluster(System.getenv());
    IdleWatchdog.IdleAction onIdle = inPod.isPresent() ? inPod.get() : stopped::countDown;
    Sidecar sidecar = Sidecar.start(config, panel, appToken, onIdle);
    Runtime.getRuntime().addShutdownHook(new Thread(sidecar::close, "sidecar-shutdown"));
    log.info("sidecar of panel {} serving the mesh on port {}", panel, sidecar.meshPort());
    stopped.await();
    log.info("the panel was idle too long: stopping");
    System.exit(0);
  }
}
