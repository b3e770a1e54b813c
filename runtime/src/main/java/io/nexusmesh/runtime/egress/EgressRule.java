package io.nexusmesh.runtime.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One destination an organisation allows beyond the default egress policy: a host name, a domain
 * with its subdomains ({@code *.example.com}), an address or a CIDR block, each with an optional
 * port. Parsed from the text form of {@code nexus.controlplane.v1.EgressRule.destination}.
 *
 * @param text the rule as written
 * @param host the lower-case host name for a name rule (without {@code *.} for a domain), else null
 * @param domain whether a name rule also matches subdomains
 * @param network the network of an address or CIDR rule, else null
 * @param prefixLength the CIDR prefix length (32 or 128 for one address)
 * @param port the port, or 0 for any
 */
public record EgressRule(
    String text,
    @Nullable String host,
    boolean domain,
    byte @Nullable [] network,
    int prefixLength,
    int port) {
  private static final Pattern HOST_NAME =
      Pattern.compile(
          "(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*");
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming what is wrong, e.g. a link-local block
   */
  public static EgressRule parse(String text) {
    String rest = text.trim();
    if (rest.isEmpty()) {
      throw new IllegalArgumentException("is empty");
    }
    int port = 0;
    String target;
    if (rest.startsWith("[")) {
      int close = rest.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("\"" + text + "\" opens '[' without closing it");
      }
      target = rest.substring(1, close);
      String after = rest.substring(close + 1);
      if (!after.isEmpty()) {
        if (!after.startsWith(":")) {
          throw new IllegalArgumentException("\"" + text + "\": expected ':port' after ']'");
        }
        port = port(text, after.substring(1));
      }
      if (!target.contains(":")) {
        throw new IllegalArgumentException("\"" + text + "\": brackets are for IPv6 addresses");
      }
    } else {
      int colon = rest.lastIndexOf(':');
      if (colon >= 0 && rest.indexOf(':') != colon) {
        throw new IllegalArgumentException(
            "\"" + text + "\": write an IPv6 address in brackets, e.g. [::1]:8080");
      }
      target = colon < 0 ? rest : rest.substring(0, colon);
      if (colon >= 0) {
        port = port(text, rest.substring(colon + 1));
      }
    }
    int slash = target.indexOf('/');
    String address = slash < 0 ? target : target.substring(0, slash);
    boolean literal = address.contains(":") || IPV4.matcher(address).matches();
    if (!literal) {
      if (slash >= 0) {
        throw new IllegalArgumentException("\"" + text + "\": a CIDR block needs an IP address");
      }
      String name = target.toLowerCase(Locale.ROOT);
      boolean domain = name.startsWith("*.");
      if (domain) {
        name = name.substring(2);
      }
      if (!HOST_NAME.matcher(name).matches() || name.contains("*")) {
        throw new IllegalArgumentException("\"" + text + "\" is not a host name, address or CIDR");
      }
      return new EgressRule(text, name, domain, null, 0, port);
    }
    byte[] network = address(text, address);
    int max = network.length * 8;
    int prefix = max;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(target.substring(slash + 1));
      } catch (NumberFormatException e) {
        prefix = -1;
      }
      if (prefix < 0 || prefix > max) {
        throw new IllegalArgumentException(
            "\"" + text + "\": the prefix length must be 0 to " + max);
      }
    }
    for (int bit = prefix; bit < max; bit++) {
      if ((network[bit / 8] & (0x80 >> (bit % 8))) != 0) {
        throw new IllegalArgumentException(
            "\"" + text + "\": the address has bits set past the prefix length");
      }
    }
    if (prefix >= 8 || prefix == max) {
      AddressClass kind = AddressClass.of(inet(network));
      if (!kind.allowable()) {
        throw new IllegalArgumentException(
            "\"" + text + "\" is " + describe(kind) + ": egress there cannot be allowed");
      }
    }
    return new EgressRule(text, null, false, network, prefix, port);
  }

  /** Whether this rule allows a call to {@code host} (as written in the URL) at {@code address}. */
  public boolean matches(String host, InetAddress address, int port) {
    if (this.port != 0 && this.port != port) {
      return false;
    }
    if (this.host != null) {
      String h = host.toLowerCase(Locale.ROOT);
      return h.equals(this.host) || (domain && h.endsWith("." + this.host));
    }
    byte[] candidate = AddressClass.effective(address).getAddress();
    byte[] net = network;
    if (net == null || candidate.length != net.length) {
      return false;
    }
    for (int bit = 0; bit < prefixLength; bit++) {
      int mask = 0x80 >> (bit % 8);
      if ((candidate[bit / 8] & mask) != (net[bit / 8] & mask)) {
        return false;
      }
    }
    return true;
  }

  /** How a class reads in an error message. */
  static String describe(AddressClass kind) {
    return switch (kind) {
      case PUBLIC -> "a public address";
      case LOOPBACK -> "a loopback address";
      case PRIVATE -> "a private address";
      case LINK_LOCAL -> "a link-local address (cloud metadata lives there)";
      case UNSPECIFIED -> "the unspecified address";
      case MULTICAST_OR_BROADCAST -> "a multicast or broadcast address";
    };
  }

  private static int port(String text, String digits) {
    try {
      int port = Integer.parseInt(digits);
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new IllegalArgumentException("\"" + text + "\": the port must be 1 to 65535");
  }

  private static byte[] address(String text, String literal) {
    if (!literal.contains(":")) {
      for (String part : literal.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 address");
        }
      }
    } else if (!literal.matches("[0-9A-Fa-f:.]+")) {
      throw new IllegalArgumentException("\"" + text + "\" is not an IPv6 address");
    }
    try {
      // A literal never causes a DNS lookup.
      byte[] bytes = InetAddress.getByName(literal).getAddress();
      return AddressClass.effective(InetAddress.getByAddress(bytes)).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("\"" + text + "\" is not an IP address");
    }
  }

  private static InetAddress inet(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EgressRule r && r.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  @Override
  public String toString() {
    return text;
  }
}
