package io.nexusmesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.nexusmesh.api.controlplane.v1.PanelMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A panel directory's {@code panel.yaml}: {@code name}, {@code command} (how to start the server)
 * and an optional {@code mode} ({@code studio} | {@code app}). Other keys are ignored.
 */
record PanelFile(Path dir, String name, String command, PanelMode mode) {
  /** A panel name: a lowercase letter, then lowercase letters, digits or -. */
  static final Pattern NAME = Pattern.compile("^[a-z][a-z0-9-]{0,62}$");

  /** Reads {@code dir/panel.yaml}; IllegalArgumentException naming what is wrong. */
  static PanelFile read(Path dir) throws IOException {
    Path file = dir.resolve("panel.yaml");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(dir + " has no panel.yaml (see `nexus panel init`)");
    }
    JsonNode yaml = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    if (yaml == null || !yaml.isObject()) {
      throw new IllegalArgumentException(file + ": not a YAML mapping");
    }
    String name = yaml.path("name").asText("");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          file + ": name '" + name + "' is not a panel name (a-z, then a-z, 0-9 or -)");
    }
    String command = yaml.path("command").asText("");
    if (command.isBlank()) {
      throw new IllegalArgumentException(file + ": command is missing (e.g. python3 main.py)");
    }
    String mode = yaml.path("mode").asText("studio");
    PanelMode parsed =
        switch (mode) {
          case "studio" -> PanelMode.PANEL_MODE_STUDIO;
          case "app" -> PanelMode.PANEL_MODE_APP;
          default ->
              throw new IllegalArgumentException(
                  file + ": mode '" + mode + "' is neither studio nor app");
        };
    return new PanelFile(dir.toAbsolutePath().normalize(), name, command, parsed);
  }
}
