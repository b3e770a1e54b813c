package io.nexusmesh.cli;

import io.nexusmesh.api.controlplane.v1.Panel;
import io.nexusmesh.api.controlplane.v1.PanelMode;
import io.nexusmesh.client.NexusClient;
import io.nexusmesh.client.Panels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nexus panel create|get|start|stop|delete}: panel records, and through them panels the
 * control plane's panel manager runs on Kubernetes.
 */
final class PanelLifecycle {
  private PanelLifecycle() {}

  @Command(
      name = "create",
      description = {
        "Create a panel. With --image the control plane runs it on its Kubernetes cluster: a"
            + " studio panel as a pod whose /home outlives stops, an app panel as a Knative"
            + " Service scaling to zero (its image by digest: name@sha256:...).",
        "Without --image the record waits for `nexus panel run` on a machine of yours."
      })
  static final class Create extends ClientCommand {
    @Parameters(paramLabel = "NAME", description = "Lowercase letters, digits and '-'.")
    String name;

    @Option(
        names = "--mode",
        defaultValue = "studio",
        description = "studio (one warm instance, stopped after 30 idle minutes) or app.")
    String mode;

    @Option(names = "--image", defaultValue = "", description = "The container image to run.")
    String image;

    @Option(names = "--description", defaultValue = "", description = "Free text.")
    String description;

    @Override
    int run(NexusClient client, Output out) {
      PanelMode parsed =
          switch (mode) {
            case "studio" -> PanelMode.PANEL_MODE_STUDIO;
            case "app" -> PanelMode.PANEL_MODE_APP;
            default ->
                throw new picocli.CommandLine.ParameterException(
                    new picocli.CommandLine(this), "--mode: studio or app, not " + mode);
          };
      out.one(client.panels().create(name, parsed, description, image), PanelCommand.columns());
      return 0;
    }
  }

  /** A command on one panel, by name, printing the panel it returns. */
  abstract static class OnePanel extends ClientCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    /** What the command does to panel {@code name}; the panel as it is after. */
    abstract Panel apply(Panels panels, String name);

    @Override
    final int run(NexusClient client, Output out) {
      out.one(apply(client.panels(), name), PanelCommand.columns());
      return 0;
    }
  }

  @Command(name = "get", description = "Show a panel: its instance, tools and cluster status.")
  static final class Get extends OnePanel {
    @Override
    Panel apply(Panels panels, String name) {
      return panels
          .find(name)
          .orElseThrow(
              () ->
                  io.grpc.Status.NOT_FOUND
                      .withDescription("panel \"" + name + "\" not found")
                      .asRuntimeException());
    }
  }

  @Command(name = "start", description = "Start a stopped panel (on Kubernetes: its pod again).")
  static final class Start extends OnePanel {
    @Override
    Panel apply(Panels panels, String name) {
      return panels.start(name);
    }
  }

  @Command(
      name = "stop",
      description = "Stop a panel: its pods go, a studio panel's /home volume stays.")
  static final class Stop extends OnePanel {
    @Override
    Panel apply(Panels panels, String name) {
      return panels.stop(name);
    }
  }

  @Command(
      name = "delete",
      description = "Delete a panel: its credentials stop working, everything it made goes.")
  static final class Delete extends OnePanel {
    @Override
    Panel apply(Panels panels, String name) {
      return panels.delete(name);
    }
  }
}
