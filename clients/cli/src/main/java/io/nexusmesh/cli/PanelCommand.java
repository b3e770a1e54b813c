package io.nexusmesh.cli;

import io.nexusmesh.api.controlplane.v1.Panel;
import io.nexusmesh.client.NexusClient;
import io.nexusmesh.sidecar.PanelApp;
import io.nexusmesh.sidecar.Sidecar;
import io.nexusmesh.sidecar.SidecarConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nexus panel}: write, run and list panels. */
@Command(
    name = "panel",
    description = {
      "Panels are web servers of your own (any language, no SDK) whose tools become the"
          + " organisation's tools on every channel. `init` writes one, `run` starts it under"
          + " gVisor with a sidecar beside it, registered with the mesh; `list` shows panels.",
      "On Kubernetes: `create --image` hands a panel to the control plane's panel manager"
          + " (studio: a pod with /home kept; app: a Knative Service by digest), `start` and"
          + " `stop` turn it on and off, `get` shows where it stands, `delete` removes it.",
      "The contract: listen on 8080 ($PORT when set), answer GET /manifest with"
          + " {\"tools\": [{\"name\", \"desc\", \"inputSchema\"}]} and POST /mcp/execute with the"
          + " tool's JSON result; see sidecar/README.md."
    },
    subcommands = {
      PanelCommand.Init.class,
      PanelCommand.Run.class,
      PanelCommand.ListPanels.class,
      PanelLifecycle.Create.class,
      PanelLifecycle.Get.class,
      PanelLifecycle.Start.class,
      PanelLifecycle.Stop.class,
      PanelLifecycle.Delete.class
    })
final class PanelCommand {
  private static final List<String> LANGUAGES = List.of("python", "node", "java");

  static Map<String, Function<Panel, String>> columns() {
    Map<String, Function<Panel, String>> c = Output.columns();
    c.put("NAME", Panel::getName);
    c.put("MODE", p -> p.getMode().name().substring("PANEL_MODE_".length()).toLowerCase());
    c.put(
        "STATE",
        p ->
            p.hasInstance()
                ? p.getInstance().getManifestState().name().substring("MANIFEST_STATE_".length())
                : "STOPPED");
    c.put(
        "TOOLS",
        p ->
            p.getInstance().getToolsList().stream()
                .map(t -> p.getName() + "." + t.getName())
                .collect(Collectors.joining(",")));
    c.put(
        "CLUSTER",
        p ->
            p.hasStatus()
                ? Output.shortName(p.getStatus().getPhase(), "PANEL_PHASE_").toLowerCase()
                : "");
    c.put(
        "MESSAGE",
        p ->
            p.getStatus().getLastError().isEmpty()
                ? p.getInstance().getMessage()
                : p.getStatus().getLastError());
    return c;
  }

  @Command(
      name = "init",
      description = {
        "Write a panel from a template with no dependencies into a new directory NAME.",
        "Example: nexus panel init --lang python hello && nexus panel run hello"
      })
  static final class Init implements java.util.concurrent.Callable<Integer> {
    @Option(
        names = "--lang",
        defaultValue = "python",
        description = "python, node or java (default: ${DEFAULT-VALUE}).")
    String lang;

    @Parameters(paramLabel = "NAME", description = "The panel's name (a-z, then a-z, 0-9, -).")
    String name;

    @Option(
        names = "--into",
        paramLabel = "DIR",
        defaultValue = ".",
        description = "Where to create the directory NAME (default: here).")
    Path into;

    @Override
    public Integer call() throws IOException {
      if (!LANGUAGES.contains(lang)) {
        System.err.println("error: --lang must be one of " + LANGUAGES);
        return 2;
      }
      if (!PanelFile.NAME.matcher(name).matches()) {
        System.err.println("error: '" + name + "' is not a panel name (a-z, then a-z, 0-9 or -)");
        return 2;
      }
      Path dir = into.resolve(name);
      if (Files.exists(dir)) {
        System.err.println("error: " + dir.toAbsolutePath() + " already exists");
        return 2;
      }
      Files.createDirectories(dir);
      for (String file : templateFiles(lang)) {
        try (InputStream in =
            PanelCommand.class.getResourceAsStream("panel-templates/" + lang + "/" + file)) {
          String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
          Files.writeString(dir.resolve(file), text.replace("__NAME__", name));
        }
      }
      System.out.println(
          "wrote " + dir.toAbsolutePath() + " (" + lang + "); run it: nexus panel run " + name);
      return 0;
    }
  }

  /** The files of a template. */
  static List<String> templateFiles(String lang) {
    return switch (lang) {
      case "python" -> List.of("panel.yaml", "main.py");
      case "node" -> List.of("panel.yaml", "main.js");
      default -> List.of("panel.yaml", "Panel.java");
    };
  }

  @Command(
      name = "run",
      description = {
        "Run the panel in DIR until Ctrl-C: its server under gVisor (runsc) in a network namespace"
            + " with only loopback, a sidecar beside it registered with the mesh (creating the"
            + " panel if it does not exist), its output streamed here; restarted when it exits.",
        "Needs root (network namespaces), runsc and socat. Without runsc, --unsandboxed runs the"
            + " server as a plain process instead."
      })
  static final class Run implements java.util.concurrent.Callable<Integer> {
    @Mixin Globals globals;

    @Parameters(paramLabel = "DIR", defaultValue = ".", description = "The panel's directory.")
    Path dir;

    @Option(
        names = "--unsandboxed",
        description = "Run the server as a plain process when runsc is missing (not isolated).")
    boolean unsandboxed;

    @Option(
        names = "--redis",
        paramLabel = "URL",
        description =
            "The transactional bus (env NEXUS_REDIS_URL; default redis://127.0.0.1:6379).")
    String redis;

    @Override
    public Integer call() throws Exception {
      PanelFile panel = PanelFile.read(dir);
      String runsc = GvisorPanel.findRunsc();
      if (runsc == null && !unsandboxed) {
        System.err.println(
            "error: runsc (gVisor) is not installed, and panels run under it: install it"
                + " (Debian: apt-get install runsc) or pass --unsandboxed to run the server as a"
                + " plain process, with no isolation");
        return 3;
      }
      String credential;
      try (NexusClient client = globals.client()) {
        if (client.panels().find(panel.name()).isEmpty()) {
          client.panels().create(panel.name(), panel.mode(), "");
          System.out.println("created panel " + panel.name());
        }
        credential = client.panels().issueCredential(panel.name()).getCredential();
      }
      Path runDir = CliConfig.home().resolve("panels").resolve(panel.name());
      Files.createDirectories(runDir);
      PanelRunner runner =
          runsc == null
              ? new PlainPanel(panel, freePort())
              : GvisorPanel.prepare(panel, runsc, runDir);
      return supervise(panel, runner, credential);
    }

    /**
     * Runs the sidecar and the user server (restarting it when it exits) until Ctrl-C, the idle
     * watchdog or a start failure; then stops both and removes the sandbox, its relays and its
     * namespace. Ctrl-C runs the same clean-up from the shutdown hook, which the JVM waits for.
     */
    private int supervise(PanelFile panel, PanelRunner runner, String credential) throws Exception {
      String appToken = PanelApp.newAppToken();
      CountDownLatch stop = new CountDownLatch(1);
      var wiring = runner.wiring();
      var config =
          new SidecarConfig(
              URI.create(globals.controlPlaneUrl()),
              credential,
              redis != null
                  ? redis
                  : System.getenv().getOrDefault("NEXUS_REDIS_URL", "redis://127.0.0.1:6379"),
              wiring.app(),
              0,
              "127.0.0.1",
              wiring.proxy(),
              0,
              Duration.parse(System.getenv().getOrDefault("NEXUS_SIDECAR_IDLE_TIMEOUT", "PT30M")),
              panel.mode() == io.nexusmesh.api.controlplane.v1.PanelMode.PANEL_MODE_STUDIO,
              "");
      Sidecar sidecar;
      try {
        sidecar = Sidecar.start(config, panel.name(), appToken, stop::countDown);
      } catch (RuntimeException e) {
        runner.close();
        throw e;
      }
      Thread supervisor =
          Thread.ofVirtual()
              .unstarted(
                  () -> {
                    while (stop.getCount() > 0) {
                      try {
                        Process process = runner.start(Map.of("NEXUS_APP_TOKEN", appToken));
                        int code = process.waitFor();
                        if (stop.getCount() > 0) {
                          System.err.printf(
                              "panel %s exited (%d); restarting in 1 s%n", panel.name(), code);
                          Thread.sleep(1000);
                        }
                      } catch (InterruptedException e) {
                        return;
                      } catch (IOException e) {
                        System.err.println("error: cannot start the panel: " + e.getMessage());
                        stop.countDown();
                      }
                    }
                  });
      java.util.concurrent.atomic.AtomicBoolean cleaned =
          new java.util.concurrent.atomic.AtomicBoolean();
      Runnable cleanUp =
          () -> {
            if (cleaned.compareAndSet(false, true)) {
              stop.countDown();
              supervisor.interrupt();
              sidecar.close();
              runner.close();
            }
          };
      Thread hook = new Thread(cleanUp, "panel-clean-up");
      Runtime.getRuntime().addShutdownHook(hook);
      System.out.printf(
          "panel %s: %s, sidecar serving the mesh on 127.0.0.1:%d%s%n",
          panel.name(),
          runner.sandboxed() ? "sandboxed by gVisor, loopback only" : "UNSANDBOXED plain process",
          sidecar.meshPort(),
          sidecar.watchdogPort().map(p -> ", idle watchdog on 127.0.0.1:" + p).orElse(""));
      supervisor.start();
      stop.await();
      cleanUp.run();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down: the hook ran the clean-up
      }
      return 0;
    }

    private static int freePort() throws IOException {
      try (ServerSocket socket =
          new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      }
    }
  }

  @Command(name = "list", aliases = "ls", description = "List panels, their state and tools.")
  static final class ListPanels extends ClientCommand {
    @Override
    int run(NexusClient client, Output out) {
      out.list(client.panels().list(), columns());
      return 0;
    }
  }
}
