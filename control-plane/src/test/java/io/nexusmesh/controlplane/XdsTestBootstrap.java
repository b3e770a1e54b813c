package io.nexusmesh.controlplane;

import io.nexusmesh.client.XdsBootstrap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one xDS bootstrap of this test JVM (grpc-java reads it once per JVM): a port chosen once,
 * where every test's control plane serves xDS, and a token file each test fills with the credential
 * its xDS clients subscribe with (read again at every new stream).
 */
final class XdsTestBootstrap {
  private static XdsTestBootstrap instance;

  final int port;
  final Path tokenFile;

  private XdsTestBootstrap(int port, Path tokenFile) {
    this.port = port;
    this.tokenFile = tokenFile;
  }

  static synchronized XdsTestBootstrap get() {
    if (instance == null) {
      try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        Path token = Files.createTempFile("nexus-xds-token", ".txt");
        instance = new XdsTestBootstrap(socket.getLocalPort(), token);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      System.setProperty(
          XdsBootstrap.PROPERTY,
          new XdsBootstrap("127.0.0.1:" + instance.port, "test/xds", instance.tokenFile).json());
    }
    return instance;
  }

  /** The credential the next xDS streams present. */
  void subscribeAs(String token) {
    try {
      Files.writeString(tokenFile, token);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The control plane properties that serve xDS where the bootstrap points. */
  String[] properties() {
    return new String[] {
      "nexus.xds.port=" + port, "nexus.xds.quiet=20ms", "nexus.xds.resync=500ms",
    };
  }
}
