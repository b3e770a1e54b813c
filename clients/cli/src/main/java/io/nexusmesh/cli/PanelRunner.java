package io.nexusmesh.cli;

import java.io.IOException;
import java.util.Map;

/**
 * Starts and stops a panel's user server: under gVisor in a loopback-only network namespace ({@link
 * GvisorPanel}), or, only when asked, as a plain process ({@link PlainPanel}).
 */
interface PanelRunner extends AutoCloseable {
  /** What the sidecar is told about where the user server and the bus proxy are. */
  record Wiring(String app, String proxy) {}

  /** How the sidecar reaches the user server, and where its bus proxy listens. */
  Wiring wiring();

  /** Starts the user server with {@code env}; its output goes to this process's. */
  Process start(Map<String, String> env) throws IOException;

  /** Stops the server started last (if it still runs). */
  void stop();

  /** Whether the server runs in a sandbox. */
  boolean sandboxed();

  @Override
  void close();
}
