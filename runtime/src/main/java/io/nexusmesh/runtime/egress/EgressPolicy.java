package io.nexusmesh.runtime.egress;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An organisation's egress policy: public addresses are reachable; loopback and private ones only
 * where one of the organisation's {@link EgressRule}s allows them; link-local, unspecified,
 * multicast and broadcast addresses and the mesh's own endpoints never.
 */
public final class EgressPolicy {
  /** Says whether an address and port is one of the mesh's own endpoints. */
  @FunctionalInterface
  public interface MeshEndpoints {
    /** Nothing is a mesh endpoint (the control plane's view, which knows no gateway's ports). */
    MeshEndpoints NONE = (address, port) -> false;

    /** Whether {@code address:port} serves the mesh itself. */
    boolean contains(InetAddress address, int port);
  }

  /**
   * The answer for one destination: the address to connect to, or none and why not.
   *
   * @param address the checked address to connect to (and only to), or null when refused
   * @param reason why it was refused, or empty
   */
  public record Decision(@Nullable InetAddress address, String reason) {
    /** Whether the call may go ahead. */
    public boolean allowed() {
      return address != null;
    }
  }

  private final List<EgressRule> rules;
  private final MeshEndpoints mesh;

  private EgressPolicy(List<EgressRule> rules, MeshEndpoints mesh) {
    this.rules = List.copyOf(rules);
    this.mesh = requireNonNull(mesh, "mesh");
  }

  /** The default policy plus {@code rules}. */
  public static EgressPolicy of(List<EgressRule> rules, MeshEndpoints mesh) {
    return new EgressPolicy(rules, mesh);
  }

  /**
   * Parses {@code destinations} (already validated by the control plane); one that does not parse
   * allows nothing.
   */
  public static EgressPolicy parse(List<String> destinations, MeshEndpoints mesh) {
    List<EgressRule> rules = new ArrayList<>();
    for (String d : destinations) {
      try {
        rules.add(EgressRule.parse(d));
      } catch (IllegalArgumentException e) {
        // Refusing more than asked is the safe side of a rule this build cannot read.
      }
    }
    return new EgressPolicy(rules, mesh);
  }

  /**
   * Decides a call to {@code host} (as written in the URL) on {@code port}, which resolved to
   * {@code addresses}: every address is checked, and the call may go to the first allowed one (and
   * only to it: the caller connects to that address, never resolving the name again).
   */
  public Decision choose(String host, int port, List<InetAddress> addresses) {
    if (addresses.isEmpty()) {
      return new Decision(null, host + " did not resolve to any address");
    }
    Decision first = null;
    for (InetAddress address : addresses) {
      Decision d = check(host, port, address);
      if (d.allowed()) {
        return d;
      }
      first = first == null ? d : first;
    }
    return first;
  }

  /** Decides a call to {@code host} on {@code port} at one of the addresses it resolved to. */
  public Decision check(String host, int port, InetAddress address) {
    InetAddress effective = AddressClass.effective(address);
    String where = host + ":" + port + describeResolution(host, effective);
    if (mesh.contains(effective, port)) {
      return new Decision(null, where + " is an endpoint of the mesh itself");
    }
    AddressClass kind = AddressClass.of(effective);
    if (kind == AddressClass.PUBLIC) {
      return new Decision(effective, "");
    }
    if (!kind.allowable()) {
      return new Decision(
          null, where + " is " + EgressRule.describe(kind) + ", which is never reachable");
    }
    for (EgressRule rule : rules) {
      if (rule.matches(host, address, port)) {
        return new Decision(effective, "");
      }
    }
    return new Decision(
        null,
        where
            + " is "
            + EgressRule.describe(kind)
            + ", which the organisation's egress policy does not allow (an admin can: nexus egress"
            + " allow "
            + hostForRule(effective)
            + ":"
            + port
            + ")");
  }

  private static String describeResolution(String host, InetAddress effective) {
    String ip = effective.getHostAddress();
    return host.equalsIgnoreCase(ip) || host.equals("[" + ip + "]") ? "" : " (" + ip + ")";
  }

  private static String hostForRule(InetAddress address) {
    String ip = address.getHostAddress();
    return ip.contains(":") ? "[" + ip + "]" : ip;
  }
}
