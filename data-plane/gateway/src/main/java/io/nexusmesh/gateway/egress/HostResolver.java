package io.nexusmesh.gateway.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Resolves a host name to its addresses; an IP literal resolves to itself without a lookup. */
@FunctionalInterface
public interface HostResolver {
  /** The system resolver (the JVM's, with its cache). */
  HostResolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

  /** The addresses of {@code host}. */
  List<InetAddress> resolve(String host) throws UnknownHostException;
}
