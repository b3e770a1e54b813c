package io.nexusmesh.launcher;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Checks that the loopback ports the dev stack needs are free, before anything starts. */
final class Ports {
  private Ports() {}

  static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Fails with one line saying which port is taken and how to choose another. */
  static void requireFree(int port, String what, String variable) {
    if (!isFree(port)) {
      throw new DevStackException(
          "port "
              + port
              + " ("
              + what
              + ") is in use: stop what listens there (another `nexus dev`?), or set "
              + variable
              + " to a free port");
    }
  }
}
