package io.nexusmesh.testing;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A component in a JVM of its own, started from the calling module's test classpath ({@code
 * target/classes}, {@code target/test-classes} and {@code target/test-classpath.txt}, which the
 * module's dependency plugin writes) and waited for on {@code /health}: what a test can kill with
 * SIGKILL. Its output goes to {@code target/<name>.log}.
 */
public record TestJvm(String name, Process process, int port, Path log) {
  /**
   * Starts {@code main} with {@code env} added to this JVM's environment, and waits (60 s at most)
   * until {@code http://127.0.0.1:<port>/health} answers 200.
   */
  public static TestJvm start(
      String name, Class<?> main, int port, Map<String, String> env, String... jvmOptions)
      throws Exception {
    String classpath =
        String.join(
            File.pathSeparator,
            "target/classes",
            "target/test-classes",
            Files.readString(Path.of("target/test-classpath.txt")).trim());
    Path log = Path.of("target", name + ".log");
    List<String> command =
        new java.util.ArrayList<>(
            List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(List.of(jvmOptions));
    command.addAll(List.of("-cp", classpath, main.getName()));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    var http = TestHttp.client();
    var health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build();
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new AssertionError(name + " exited: " + Files.readString(log));
              }
              return http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            });
    return new TestJvm(name, process, port, log);
  }

  /** SIGKILL: no shutdown hook runs, nothing is handed back or flushed. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(20, TimeUnit.SECONDS);
  }

  /** SIGTERM (a graceful shutdown), then SIGKILL after 20 s. */
  public void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
