package io.nexusmesh.controlplane;

import static org.awaitility.Awaitility.await;

import io.nexusmesh.gateway.GatewayMain;
import io.nexusmesh.testing.RedisEndpoint;
import java.io.File;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A gateway in its own JVM (this module's test classpath), registered with a test's control plane
 * and checked on {@code /health}: a process a test can kill with SIGKILL.
 */
record GatewayJvm(String id, Process process, int port, Path log) {
  static GatewayJvm start(
      ControlPlaneHarness cp, RedisEndpoint redis, String org, String id, Map<String, String> extra)
      throws Exception {
    int port = PanelMeshSupport.freePort();
    String classpath =
        String.join(
            File.pathSeparator,
            "target/classes",
            "target/test-classes",
            Files.readString(Path.of("target/test-classpath.txt")).trim());
    Path log = Path.of("target", id + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m",
                "-cp",
                classpath,
                GatewayMain.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = new HashMap<>(extra);
    env.put("NEXUS_GATEWAY_ID", id);
    env.put("NEXUS_GATEWAY_PORT", Integer.toString(port));
    env.put("NEXUS_GATEWAY_ENVIRONMENT", "dev");
    env.put("NEXUS_REDIS_URL", redis.uri());
    env.put("NEXUS_OIDC_ISSUER", cp.issuer.issuer().toString());
    env.put("NEXUS_CONTROL_PLANE_URL", cp.baseUrl());
    env.put("NEXUS_GATEWAY_TOKEN", cp.gatewayToken(org, id));
    env.put("NEXUS_GATEWAY_ADVERTISED_URL", "http://127.0.0.1:" + port);
    env.put("NEXUS_GATEWAY_SHUTDOWN_TIMEOUT", "1s");
    builder.environment().putAll(env);
    Process process = builder.start();
    var http = io.nexusmesh.testing.TestHttp.client();
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new AssertionError(id + " exited: " + Files.readString(log));
              }
              return http.send(
                          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                              .build(),
                          HttpResponse.BodyHandlers.discarding())
                      .statusCode()
                  == 200;
            });
    return new GatewayJvm(id, process, port, log);
  }

  /** SIGKILL: no shutdown hook, no lease handed back, no span flushed. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(20, TimeUnit.SECONDS);
  }

  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
