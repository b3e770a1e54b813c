package io.nexusmesh.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Reads the {@code export NAME=value} lines of a shell file such as {@code nexus dev}'s env. */
public final class EnvFile {
  private EnvFile() {}

  /** The exported variables of {@code file}; single quotes around a value are removed. */
  public static Map<String, String> read(Path file) throws IOException {
    Map<String, String> values = new HashMap<>();
    for (String line : Files.readAllLines(file)) {
      String l = line.strip();
      if (l.startsWith("export ") && l.contains("=")) {
        String assignment = l.substring("export ".length());
        int eq = assignment.indexOf('=');
        String value = assignment.substring(eq + 1);
        if (value.length() >= 2 && value.startsWith("'") && value.endsWith("'")) {
          value = value.substring(1, value.length() - 1);
        }
        values.put(assignment.substring(0, eq), value);
      }
    }
    return values;
  }
}
