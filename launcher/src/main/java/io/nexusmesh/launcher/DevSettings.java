package io.nexusmesh.launcher;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where {@code nexus dev} keeps its state and which loopback ports it uses, from the environment.
 *
 * @param home {@code $NEXUS_HOME} (default {@code ~/.nexus}); the stack's own files live in its
 *     {@code dev/} and {@code control-plane/} folders
 * @param otlpPort the trace receiver's port ({@code NEXUS_DEV_OTLP_PORT}, default 4317, OTLP's)
 */
record DevSettings(
    Path home,
    int controlPlanePort,
    int gatewayPort,
    int redisPort,
    int kafkaPort,
    int xdsPort,
    int otlpPort) {
  static final String ORG = "demo";

  static DevSettings fromEnvironment(Map<String, String> env) {
    String home = env.get("NEXUS_HOME");
    return new DevSettings(
        home == null || home.isBlank()
            ? Path.of(System.getProperty("user.home"), ".nexus")
            : Path.of(home),
        port(env, "NEXUS_CONTROL_PLANE_PORT", 8080),
        port(env, "NEXUS_GATEWAY_PORT", 9090),
        port(env, "NEXUS_DEV_REDIS_PORT", 6379),
        port(env, "NEXUS_DEV_KAFKA_PORT", 9092),
        port(env, "NEXUS_XDS_PORT", 18000),
        port(env, "NEXUS_DEV_OTLP_PORT", 4317));
  }

  private static int port(Map<String, String> env, String name, int fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int port = Integer.parseInt(value.strip());
      if (port > 0 && port < 65536) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(name + "=" + value + " is not a port (expected: 1..65535)");
  }

  /** The control plane's xDS server, as the gateway subscribes to it. */
  String xdsServer() {
    return "127.0.0.1:" + xdsPort;
  }

  Path devDir() {
    return home.resolve("dev");
  }

  Path envFile() {
    return devDir().resolve("env");
  }

  Path controlPlaneHome() {
    return home.resolve("control-plane");
  }

  String controlPlaneUrl() {
    return "http://127.0.0.1:" + controlPlanePort;
  }

  String gatewayUrl() {
    return "http://127.0.0.1:" + gatewayPort;
  }

  /** Where every part of the stack sends its spans (the control plane's receiver). */
  String otlpEndpoint() {
    return "http://127.0.0.1:" + otlpPort;
  }

  String issuerUrl() {
    return controlPlaneUrl() + "/dev-issuer";
  }
}
