package io.nexusmesh.launcher;

import static org.awaitility.Awaitility.await;

import io.nexusmesh.cli.EnvFile;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Drives {@code ./nexus} as a user does, as separate processes from the repository root: {@code
 * nexus dev} in the background (stopped with SIGTERM, as Ctrl-C would), and CLI commands or shell
 * lines with the environment {@code nexus dev} wrote.
 */
final class NexusProcess implements AutoCloseable {
  static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

  /** What a finished command printed, and its exit code. */
  record Result(int exit, String stdout, String stderr) {
    String all() {
      return stdout + stderr;
    }
  }

  private final Map<String, String> env;
  private final Path home;
  private Process dev;
  private Path devLog;

  /**
   * @param env variables on top of this JVM's environment: NEXUS_HOME and the ports
   */
  NexusProcess(Path home, Map<String, String> env) {
    this.home = home;
    this.env = new HashMap<>(env);
    this.env.put("NEXUS_HOME", home.toString());
    // The JDK running the tests is one the launcher accepts.
    this.env.put("JAVA_HOME", System.getProperty("java.home"));
  }

  /**
   * Free ports for a dev stack of its own: control plane, gateway, Redis, xDS, Kafka and the trace
   * receiver.
   */
  static Map<String, String> freeDevPorts() {
    return Map.of(
        "NEXUS_CONTROL_PLANE_PORT", Integer.toString(freePort()),
        "NEXUS_GATEWAY_PORT", Integer.toString(freePort()),
        "NEXUS_DEV_REDIS_PORT", Integer.toString(freePort()),
        "NEXUS_XDS_PORT", Integer.toString(freePort()),
        "NEXUS_DEV_KAFKA_PORT", Integer.toString(freePortPair()),
        "NEXUS_DEV_OTLP_PORT", Integer.toString(freePort()));
  }

  /**
   * A free loopback port whose next port is free too: the dev Kafka broker listens on the port and
   * its controller on the next one (a random port's neighbour is often some other socket's).
   */
  static int freePortPair() {
    for (int tries = 0; tries < 50; tries++) {
      int port = freePort();
      if (port < 65535) {
        try (ServerSocket next = new ServerSocket(port + 1)) {
          return port;
        } catch (IOException taken) {
          // try another
        }
      }
    }
    throw new IllegalStateException("no two free adjacent loopback ports in 50 tries");
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path home() {
    return home;
  }

  /** Starts {@code ./nexus dev} and waits until it wrote its env file (the stack answers). */
  void startDev() throws IOException {
    Path env = home.resolve("dev").resolve("env");
    devLog = Files.createTempFile("nexus-dev", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(ROOT.resolve("nexus").toString(), "dev")
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(devLog.toFile());
    builder.environment().putAll(this.env);
    long started = System.currentTimeMillis();
    dev = builder.start();
    try {
      // A file left by an earlier run that was killed does not count: this one writes a new one.
      await()
          .atMost(START_TIMEOUT)
          .pollInterval(Duration.ofMillis(200))
          .failFast("nexus dev exited", () -> !dev.isAlive())
          .until(
              () ->
                  Files.exists(env) && Files.getLastModifiedTime(env).toMillis() >= started - 1000);
    } catch (RuntimeException e) {
      throw new AssertionError("nexus dev did not become ready: " + devOutput(), e);
    }
  }

  /** What {@code nexus dev} printed so far. */
  String devOutput() {
    try {
      return devLog == null ? "" : Files.readString(devLog);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  /** Stops {@code nexus dev} as Ctrl-C does and waits for it; returns its exit code. */
  int stopDev() throws InterruptedException {
    dev.destroy();
    if (!dev.waitFor(60, TimeUnit.SECONDS)) {
      dev.destroyForcibly();
      throw new AssertionError("nexus dev did not stop within 60 s: " + devOutput());
    }
    return dev.exitValue();
  }

  /** Kills {@code nexus dev} with SIGKILL, as a crash would: nothing of it gets to clean up. */
  void killDev() throws InterruptedException {
    dev.destroyForcibly();
    dev.waitFor(30, TimeUnit.SECONDS);
  }

  /** Runs {@code ./nexus args...} with the dev stack's credentials. */
  Result nexus(String... args) {
    List<String> command = new ArrayList<>();
    command.add(ROOT.resolve("nexus").toString());
    command.addAll(List.of(args));
    return run(command, credentials());
  }

  /** A command that keeps printing (a tail, a watch): its lines as they come. */
  static final class Follower implements AutoCloseable {
    private final Process process;
    private final java.util.concurrent.BlockingQueue<String> lines =
        new java.util.concurrent.LinkedBlockingQueue<>();

    private Follower(Process process) {
      this.process = process;
      Thread.ofVirtual()
          .start(
              () -> {
                try (var reader =
                    new java.io.BufferedReader(
                        new java.io.InputStreamReader(
                            process.getInputStream(), StandardCharsets.UTF_8))) {
                  reader.lines().forEach(lines::add);
                } catch (IOException e) {
                  // the process ended
                }
              });
    }

    /** The next line that contains {@code text}, waiting up to 30 s for it. */
    String awaitLine(String text) throws InterruptedException {
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < until) {
        String line = lines.poll(100, TimeUnit.MILLISECONDS);
        if (line != null && line.contains(text)) {
          return line;
        }
      }
      throw new AssertionError("no line with '" + text + "' within 30 s");
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Starts {@code ./nexus args...} with the dev stack's credentials, stdout and stderr merged. */
  Follower follow(String... args) throws IOException {
    return followWith(Map.of(), args);
  }

  /** Like {@link #follow}, with {@code extraEnv} on top of the dev stack's credentials. */
  Follower followWith(Map<String, String> extraEnv, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ROOT.resolve("nexus").toString());
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("NEXUS_"));
    builder.environment().putAll(env);
    builder.environment().putAll(credentials());
    builder.environment().putAll(extraEnv);
    return new Follower(builder.start());
  }

  /** Runs {@code ./nexus args...} with exactly {@code extraEnv} on top of the base environment. */
  Result nexusWith(Map<String, String> extraEnv, String... args) {
    List<String> command = new ArrayList<>();
    command.add(ROOT.resolve("nexus").toString());
    command.addAll(List.of(args));
    return run(command, extraEnv);
  }

  /** Runs {@code ./nexus args...} with the dev stack's credentials and {@code stdin} as input. */
  Result nexusWithInput(String stdin, String... args) {
    try {
      Path input = Files.createTempFile("nexus-in", ".txt");
      Files.writeString(input, stdin, StandardCharsets.UTF_8);
      List<String> command = new ArrayList<>();
      command.add(ROOT.resolve("nexus").toString());
      command.addAll(List.of(args));
      try {
        return run(command, credentials(), input.toFile());
      } finally {
        Files.deleteIfExists(input);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs a bash script from the repository root. */
  Result bash(String script) {
    return run(List.of("bash", "-c", script), Map.of());
  }

  /** The dev stack's credentials ({@code $NEXUS_HOME/dev/env}). */
  Map<String, String> devCredentials() {
    return credentials();
  }

  private Map<String, String> credentials() {
    try {
      Path file = home.resolve("dev").resolve("env");
      return Files.exists(file) ? EnvFile.read(file) : Map.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Result run(List<String> command, Map<String, String> extraEnv) {
    return run(command, extraEnv, new File("/dev/null"));
  }

  private Result run(List<String> command, Map<String, String> extraEnv, File stdin) {
    try {
      Path out = Files.createTempFile("nexus-out", ".txt");
      Path err = Files.createTempFile("nexus-err", ".txt");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(ROOT.toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(stdin));
      // Only what this test says: none of the developer's own Nexus settings leak in.
      builder.environment().keySet().removeIf(name -> name.startsWith("NEXUS_"));
      builder.environment().putAll(env);
      builder.environment().putAll(extraEnv);
      Process process = builder.start();
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(command + " did not finish within 120 s");
      }
      Result result =
          new Result(
              process.exitValue(),
              Files.readString(out, StandardCharsets.UTF_8),
              Files.readString(err, StandardCharsets.UTF_8));
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (dev != null && dev.isAlive()) {
      stopDev();
    }
  }
}
