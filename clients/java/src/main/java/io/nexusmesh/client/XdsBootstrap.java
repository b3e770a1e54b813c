package io.nexusmesh.client;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * An xDS bootstrap for grpc-java's xDS client (what {@code GRPC_XDS_BOOTSTRAP_CONFIG} holds) that
 * subscribes to a Nexus control plane's xDS server with a token from a file ({@link
 * NexusXdsCredentialsProvider}). grpc-java reads its bootstrap once per JVM: {@link #install()} it
 * before the first {@code xds:///} channel, or set the environment variable.
 *
 * @param server the xDS server, {@code host:port}
 * @param nodeId how this client names itself (shown in {@code ListXdsClients}; what it is served
 *     depends on its credential only)
 * @param tokenFile the file holding its bearer token
 */
public record XdsBootstrap(String server, String nodeId, Path tokenFile) {
  /** The system property grpc-java reads a bootstrap from when no environment variable is set. */
  public static final String PROPERTY = "io.grpc.xds.bootstrapConfig";

  public XdsBootstrap {
    requireNonNull(server, "server");
    requireNonNull(nodeId, "nodeId");
    requireNonNull(tokenFile, "tokenFile");
  }

  /** The bootstrap as JSON. */
  public String json() {
    return """
        {"node": {"id": %s},
         "xds_servers": [{"server_uri": %s, "server_features": ["xds_v3"],
           "channel_creds": [{"type": "%s", "config": {"token_file": %s}}]}]}"""
        .formatted(
            quote(nodeId),
            quote(server),
            NexusXdsCredentialsProvider.NAME,
            quote(tokenFile.toAbsolutePath().toString()));
  }

  /**
   * Makes this the JVM's bootstrap, unless one is configured already (an environment variable or
   * the system property); returns whether it did.
   */
  public boolean install() {
    if (configured()) {
      return false;
    }
    System.setProperty(PROPERTY, json());
    return true;
  }

  /** Whether this JVM has an xDS bootstrap (environment or system property). */
  public static boolean configured() {
    return System.getenv("GRPC_XDS_BOOTSTRAP") != null
        || System.getenv("GRPC_XDS_BOOTSTRAP_CONFIG") != null
        || System.getProperty("io.grpc.xds.bootstrap") != null
        || System.getProperty(PROPERTY) != null;
  }

  private static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
