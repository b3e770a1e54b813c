package io.nexusmesh.gateway.egress;

import io.nexusmesh.runtime.egress.AddressClass;
import io.nexusmesh.runtime.egress.EgressPolicy;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh's own endpoints, which no workflow may call whatever its organisation allows: this
 * gateway's port, the control plane, Redis and whatever else the operator names. An endpoint on
 * this machine (loopback, the wildcard or one of its interfaces' addresses) is matched by port on
 * every local address, since a server bound to the wildcard answers on all of them.
 */
public final class MeshEndpointSet implements EgressPolicy.MeshEndpoints {
  private static final Logger log = LoggerFactory.getLogger(MeshEndpointSet.class);

  private final Set<Integer> localPorts = ConcurrentHashMap.newKeySet();
  private final Set<String> remote = ConcurrentHashMap.newKeySet();
  private final Set<InetAddress> localAddresses = localAddresses();

  /** Adds {@code url}'s host and port (its scheme's default port when it has none). */
  public MeshEndpointSet addUrl(String url) {
    try {
      URI uri = URI.create(url.startsWith("redis") ? url.replaceFirst("^rediss?", "http") : url);
      if (uri.getHost() == null) {
        return this;
      }
      int port = uri.getPort() != -1 ? uri.getPort() : url.startsWith("redis") ? 6379 : 80;
      if ("https".equals(uri.getScheme()) && uri.getPort() == -1) {
        port = 443;
      }
      return add(uri.getHost(), port);
    } catch (IllegalArgumentException e) {
      log.warn("not a URL, ignored as a mesh endpoint: {}", url);
      return this;
    }
  }

  /** Adds {@code host:port}. */
  public MeshEndpointSet add(String host, int port) {
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    try {
      for (InetAddress a : InetAddress.getAllByName(bare)) {
        InetAddress effective = AddressClass.effective(a);
        if (isLocal(effective)) {
          localPorts.add(port);
        } else {
          remote.add(effective.getHostAddress() + "|" + port);
        }
      }
    } catch (UnknownHostException e) {
      log.warn("mesh endpoint {}:{} does not resolve; not guarded", host, port);
    }
    return this;
  }

  /** Adds a port this gateway serves on (known once its server started). */
  public MeshEndpointSet addLocalPort(int port) {
    localPorts.add(port);
    return this;
  }

  @Override
  public boolean contains(InetAddress address, int port) {
    InetAddress effective = AddressClass.effective(address);
    if (localPorts.contains(port) && isLocal(effective)) {
      return true;
    }
    return remote.contains(effective.getHostAddress() + "|" + port);
  }

  private boolean isLocal(InetAddress a) {
    return a.isLoopbackAddress() || a.isAnyLocalAddress() || localAddresses.contains(a);
  }

  private static Set<InetAddress> localAddresses() {
    Set<InetAddress> out = new HashSet<>();
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        out.addAll(Collections.list(nic.getInetAddresses()));
      }
    } catch (SocketException e) {
      log.warn("cannot list network interfaces; only loopback counts as local", e);
    }
    return Set.copyOf(out);
  }
}
