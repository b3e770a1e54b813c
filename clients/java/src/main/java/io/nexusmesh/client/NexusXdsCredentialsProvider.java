package io.nexusmesh.client;

import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.xds.XdsCredentialsProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The {@value #NAME} channel credentials of an xDS bootstrap: the xDS client presents {@code
 * Authorization: Bearer <token>} to the Nexus control plane's xDS server, the token read from
 * {@code token_file} at each stream (so a rotated service-account token is picked up), over TLS
 * when {@code "tls": true}. Written here because grpc-java 1.85's bootstrap has no call credentials
 * (gRFC A97 is not implemented in Java yet); its channel-credentials plugin point is the one way to
 * authenticate to an xDS server that needs a credential. Found by grpc-java through {@code
 * META-INF/services}; needs {@code io.grpc:grpc-xds} on the class path.
 *
 * <pre>{@code
 * "xds_servers": [{"server_uri": "127.0.0.1:18000", "server_features": ["xds_v3"],
 *   "channel_creds": [{"type": "nexus_bearer", "config": {"token_file": "/var/run/nexus/token"}}]}]
 * }</pre>
 */
public final class NexusXdsCredentialsProvider extends XdsCredentialsProvider {
  /** The credential type's name in a bootstrap. */
  public static final String NAME = "nexus_bearer";

  @Override
  protected ChannelCredentials newChannelCredentials(Map<String, ?> jsonConfig) {
    if (jsonConfig == null || !(jsonConfig.get("token_file") instanceof String file)) {
      return null; // grpc-java then reports the bootstrap as invalid
    }
    Path tokenFile = Path.of(file);
    ChannelCredentials transport =
        Boolean.TRUE.equals(jsonConfig.get("tls"))
            ? TlsChannelCredentials.create()
            : InsecureChannelCredentials.create();
    return CompositeChannelCredentials.create(
        transport, new BearerCredentials(() -> read(tokenFile)));
  }

  private static String read(Path tokenFile) {
    try {
      return Files.readString(tokenFile).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the xDS token file " + tokenFile, e);
    }
  }

  @Override
  protected String getName() {
    return NAME;
  }

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int priority() {
    return 5;
  }
}
