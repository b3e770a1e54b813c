package io.nexusmesh.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A panel's user server under gVisor ({@code runsc}, ptrace platform, rootless) in a network
 * namespace of its own that has nothing but loopback: the sandbox cannot reach this machine's
 * services or any other machine. Its root file system is an empty read-only directory with this
 * machine's {@code /usr}, {@code /bin}, {@code /lib}, {@code /lib64}, {@code /sbin} and {@code
 * /etc} bound read-only, the panel's directory at {@code /panel} (its working directory) and a
 * private {@code /tmp}: nothing of the user's home, the mesh's state or the sidecar is in it.
 *
 * <p>The sidecar runs outside, as in a pod it runs in its own container: it reaches the user
 * server's {@code 127.0.0.1:8080} through a Unix socket that {@code socat}, started inside the
 * namespace, relays there, and the user code reaches the sidecar's bus proxy on its own {@code
 * 127.0.0.1:3500}, relayed the other way. gVisor refuses the sandbox any host Unix socket (its
 * default), so those two relays are the only ways between the two. With {@code --network=host}
 * gVisor uses the namespace's (kernel) network stack rather than its own netstack: weaker than
 * gVisor's default, and the namespace is what confines it.
 */
final class GvisorPanel implements PanelRunner {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> HOST_DIRS =
      List.of("/usr", "/bin", "/lib", "/lib64", "/sbin", "/etc");

  private final PanelFile panel;
  private final String runsc;
  private final Path runDir;
  private final String netns;
  private final String containerId;
  private final List<Process> relays = new ArrayList<>();
  private @Nullable Process sandbox;

  private GvisorPanel(PanelFile panel, String runsc, Path runDir) {
    this.panel = panel;
    this.runsc = runsc;
    this.runDir = runDir;
    this.netns = "nexus-" + panel.name();
    this.containerId = "nexus-panel-" + panel.name();
  }

  /** The runsc binary to use, if this machine has one. */
  static @Nullable String findRunsc() {
    for (String candidate :
        List.of(
            System.getenv().getOrDefault("NEXUS_RUNSC", ""),
            "/usr/bin/runsc",
            "/usr/local/bin/runsc")) {
      if (!candidate.isEmpty() && Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    return null;
  }

  /** Prepares the namespace and the relays; the sandbox starts with {@link #start}. */
  static GvisorPanel prepare(PanelFile panel, String runsc, Path runDir) throws IOException {
    GvisorPanel runner = new GvisorPanel(panel, runsc, runDir);
    runner.setUp();
    return runner;
  }

  private void setUp() throws IOException {
    Files.createDirectories(runDir.resolve("rootfs"));
    Files.createDirectories(runDir.resolve("state"));
    Files.deleteIfExists(runDir.resolve("app.sock"));
    Files.deleteIfExists(runDir.resolve("bus.sock"));
    runQuietly("ip", "netns", "delete", netns);
    run("ip", "netns", "add", netns);
    run("ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up");
    relays.add(
        inNamespace(
            "socat",
            "UNIX-LISTEN:" + runDir.resolve("app.sock") + ",fork,mode=600",
            "TCP:127.0.0.1:8080"));
    relays.add(
        inNamespace(
            "socat",
            "TCP-LISTEN:3500,bind=127.0.0.1,reuseaddr,fork",
            "UNIX-CONNECT:" + runDir.resolve("bus.sock")));
  }

  @Override
  public Wiring wiring() {
    return new Wiring("unix:" + runDir.resolve("app.sock"), "unix:" + runDir.resolve("bus.sock"));
  }

  @Override
  public Process start(Map<String, String> env) throws IOException {
    deleteContainer();
    writeBundle(env);
    sandbox =
        new ProcessBuilder(
                "ip",
                "netns",
                "exec",
                netns,
                runsc,
                "--root",
                runDir.resolve("state").toString(),
                "--rootless",
                "--platform=ptrace",
                "--network=host",
                "--ignore-cgroups",
                "run",
                "--bundle",
                runDir.toString(),
                containerId)
            .inheritIO()
            .start();
    return sandbox;
  }

  /** {@code runsc spec}'s defaults, changed where a panel needs it. */
  private void writeBundle(Map<String, String> env) throws IOException {
    Files.deleteIfExists(runDir.resolve("config.json"));
    run(runsc, "spec", "--bundle", runDir.toString(), "--", "/bin/sh", "-c", panel.command());
    ObjectNode spec = (ObjectNode) JSON.readTree(runDir.resolve("config.json").toFile());
    ObjectNode process = (ObjectNode) spec.get("process");
    process.put("terminal", false);
    ArrayNode environment = process.putArray("env");
    environment.add("PATH=/usr/local/bin:/usr/bin:/bin");
    environment.add("HOME=/panel");
    environment.add("PYTHONUNBUFFERED=1");
    env.forEach((k, v) -> environment.add(k + "=" + v));
    process.put("cwd", "/panel");
    spec.putObject("root").put("path", "rootfs").put("readonly", true);
    spec.put("hostname", panel.name());
    ArrayNode mounts = (ArrayNode) spec.get("mounts");
    mounts.addObject().put("destination", "/tmp").put("type", "tmpfs").put("source", "tmpfs");
    for (String dir : HOST_DIRS) {
      if (Files.isDirectory(Path.of(dir))) {
        bind(mounts, dir, dir, "ro");
      }
    }
    bind(mounts, panel.dir().toString(), "/panel", "rw");
    // No network namespace of its own: the sandbox uses the panel's loopback-only one.
    ArrayNode namespaces = (ArrayNode) spec.get("linux").get("namespaces");
    for (int i = namespaces.size() - 1; i >= 0; i--) {
      if ("network".equals(namespaces.get(i).path("type").asText())) {
        namespaces.remove(i);
      }
    }
    Files.writeString(
        runDir.resolve("config.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(spec));
  }

  private static void bind(ArrayNode mounts, String source, String destination, String mode) {
    ObjectNode mount =
        mounts
            .addObject()
            .put("destination", destination)
            .put("type", "bind")
            .put("source", source);
    mount.putArray("options").add("rbind").add(mode);
  }

  @Override
  public void stop() {
    if (sandbox != null && sandbox.isAlive()) {
      runQuietly(
          runsc,
          "--root",
          runDir.resolve("state").toString(),
          "--rootless",
          "kill",
          containerId,
          "KILL");
      sandbox.destroy();
      try {
        sandbox.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    deleteContainer();
  }

  private void deleteContainer() {
    runQuietly(
        runsc,
        "--root",
        runDir.resolve("state").toString(),
        "--rootless",
        "delete",
        "-force",
        containerId);
  }

  @Override
  public boolean sandboxed() {
    return true;
  }

  @Override
  public void close() {
    stop();
    relays.forEach(Process::destroyForcibly);
    runQuietly("ip", "netns", "delete", netns);
  }

  private Process inNamespace(String... command) throws IOException {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", netns));
    full.addAll(List.of(command));
    return new ProcessBuilder(full)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  private static void run(String... command) throws IOException {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output =
          new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IOException(String.join(" ", command) + " failed: " + output.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static void runQuietly(String... command) {
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      // nothing to clean up
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
