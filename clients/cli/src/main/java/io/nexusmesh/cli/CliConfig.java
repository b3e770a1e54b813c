package io.nexusmesh.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The CLI's contexts, like kubectl's: named sets of endpoints and credentials in {@code
 * $NEXUS_HOME/config.yaml} (readable by its owner only), one of them current.
 */
final class CliConfig {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** One context. Empty strings mean "not set". */
  record Context(String controlPlane, String gateway, String token, String apiKey) {
    Context {
      controlPlane = controlPlane == null ? "" : controlPlane;
      gateway = gateway == null ? "" : gateway;
      token = token == null ? "" : token;
      apiKey = apiKey == null ? "" : apiKey;
    }
  }

  /** What the file holds. */
  record File(@Nullable String currentContext, Map<String, Context> contexts) {
    File {
      contexts = contexts == null ? new LinkedHashMap<>() : new LinkedHashMap<>(contexts);
    }
  }

  private final Path path;

  CliConfig(Path path) {
    this.path = path;
  }

  /** The config of {@code $NEXUS_HOME} (default {@code ~/.nexus}). */
  static CliConfig ofHome() {
    return new CliConfig(home().resolve("config.yaml"));
  }

  static Path home() {
    String home = System.getenv("NEXUS_HOME");
    return home == null || home.isBlank()
        ? Path.of(System.getProperty("user.home"), ".nexus")
        : Path.of(home);
  }

  Path path() {
    return path;
  }

  File read() {
    if (!Files.exists(path)) {
      return new File(null, Map.of());
    }
    try {
      return YAML.readValue(path.toFile(), File.class);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  void write(File file) {
    try {
      PrivateFiles.write(path, YAML.writeValueAsString(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path, e);
    }
  }

  /** The dev stack's context, from {@code $NEXUS_HOME/dev/env} (written by {@code nexus dev}). */
  static Optional<Context> devStack() throws IOException {
    Path env = home().resolve("dev").resolve("env");
    if (!Files.exists(env)) {
      return Optional.empty();
    }
    Map<String, String> values = EnvFile.read(env);
    return Optional.of(
        new Context(
            values.get("NEXUS_CONTROL_PLANE_URL"),
            values.get("NEXUS_GATEWAY_URL"),
            values.get("NEXUS_TOKEN"),
            values.get("NEXUS_API_KEY")));
  }

  /** Saves {@code context} as {@code name} and makes it current. */
  void saveCurrent(String name, Context context) {
    File file = read();
    file.contexts().put(name, context);
    write(new File(name, file.contexts()));
  }
}
