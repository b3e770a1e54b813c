package io.nexusmesh.cli;

import io.nexusmesh.client.NexusClient;
import java.io.IOException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * Options every command that calls Nexus Mesh takes. Each falls back to its environment variable,
 * then to the current context of {@code $NEXUS_HOME/config.yaml} (or, when none is saved, to what
 * {@code nexus dev} wrote in {@code $NEXUS_HOME/dev/env}), then to the local defaults.
 */
final class Globals {
  @Option(
      names = "--control-plane",
      paramLabel = "URL",
      description =
          "Control plane URL (env NEXUS_CONTROL_PLANE_URL; default http://127.0.0.1:8080).")
  @Nullable String controlPlane;

  @Option(
      names = "--gateway",
      paramLabel = "URL",
      description = "Gateway URL (env NEXUS_GATEWAY_URL; default http://127.0.0.1:9090).")
  @Nullable String gateway;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description = "OIDC access token for management calls (env NEXUS_TOKEN).")
  @Nullable String token;

  @Option(
      names = "--api-key",
      paramLabel = "KEY",
      description = "API key for running workflows (env NEXUS_API_KEY).")
  @Nullable String apiKey;

  @Option(
      names = "--context",
      paramLabel = "NAME",
      description = "Context of the config file to use (env NEXUS_CONTEXT; default: the current).")
  @Nullable String context;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "30",
      description = "Deadline of each call, in seconds (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "table",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Output.Format output = Output.Format.table;

  /** The client these options describe. */
  NexusClient client() {
    CliConfig.Context saved = savedContext();
    var builder =
        NexusClient.builder()
            .controlPlane(
                pick(
                    controlPlane,
                    "NEXUS_CONTROL_PLANE_URL",
                    saved.controlPlane(),
                    "http://127.0.0.1:8080"))
            .gateway(pick(gateway, "NEXUS_GATEWAY_URL", saved.gateway(), "http://127.0.0.1:9090"))
            .deadline(Duration.ofSeconds(Math.max(1, timeoutSeconds)))
            .traceparent(CliTrace::traceparent);
    String t = pick(token, "NEXUS_TOKEN", saved.token(), "");
    if (!t.isEmpty()) {
      builder.token(t);
    }
    String k = pick(apiKey, "NEXUS_API_KEY", saved.apiKey(), "");
    if (!k.isEmpty()) {
      builder.apiKey(k);
    }
    return builder.build();
  }

  /** The control plane's URL these options name. */
  String controlPlaneUrl() {
    return pick(
        controlPlane,
        "NEXUS_CONTROL_PLANE_URL",
        savedContext().controlPlane(),
        "http://127.0.0.1:8080");
  }

  Output out() {
    return new Output(output);
  }

  private CliConfig.Context savedContext() {
    CliConfig.File file = CliConfig.ofHome().read();
    String name = pick(context, "NEXUS_CONTEXT", file.currentContext(), "");
    if (name.isEmpty()) {
      return devStack();
    }
    CliConfig.Context found = file.contexts().get(name);
    if (found == null) {
      throw new IllegalArgumentException(
          "no context named '" + name + "' in " + CliConfig.ofHome().path());
    }
    return found;
  }

  /**
   * With no context saved, the local dev stack's credentials ({@code $NEXUS_HOME/dev/env}, written
   * by {@code nexus dev}), so that right after {@code nexus dev} every command works as is.
   */
  private static CliConfig.Context devStack() {
    try {
      return CliConfig.devStack().orElseGet(() -> new CliConfig.Context("", "", "", ""));
    } catch (IOException e) {
      return new CliConfig.Context("", "", "", "");
    }
  }

  private static String pick(
      @Nullable String flag, String env, @Nullable String saved, String fallback) {
    if (flag != null && !flag.isBlank()) {
      return flag;
    }
    String fromEnv = System.getenv(env);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv;
    }
    return saved != null && !saved.isBlank() ? saved : fallback;
  }
}
