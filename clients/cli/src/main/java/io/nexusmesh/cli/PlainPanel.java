package io.nexusmesh.cli;

import java.io.IOException;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code --unsandboxed}: the user server as a plain process on this machine's loopback, with the
 * sidecar's bus proxy on {@code 127.0.0.1:3500}; it is told a free port in {@code PORT}, since this
 * machine's 8080 is usually taken (the dev control plane's). Only for machines without gVisor: the
 * code runs with this user's rights and sees this machine's files.
 */
final class PlainPanel implements PanelRunner {
  private final PanelFile panel;
  private final int port;
  private @Nullable Process process;

  /**
   * @param port the loopback port the server is told to listen on ({@code PORT})
   */
  PlainPanel(PanelFile panel, int port) {
    this.panel = panel;
    this.port = port;
  }

  @Override
  public Wiring wiring() {
    return new Wiring("http://127.0.0.1:" + port, "3500");
  }

  @Override
  public Process start(Map<String, String> env) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder("/bin/sh", "-c", "exec " + panel.command())
            .directory(panel.dir().toFile())
            .inheritIO();
    builder.environment().clear();
    builder.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    builder.environment().putAll(env);
    builder.environment().put("PORT", Integer.toString(port));
    process = builder.start();
    return process;
  }

  @Override
  public void stop() {
    if (process != null) {
      // The command may have started children of its own (a shell line): stop them all.
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
    }
  }

  @Override
  public boolean sandboxed() {
    return false;
  }

  @Override
  public void close() {
    stop();
  }
}
