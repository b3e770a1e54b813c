package io.nexusmesh.runtime.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * What kind of network an IP address belongs to, as far as egress is concerned. An IPv6 address
 * that embeds an IPv4 one (IPv4-mapped {@code ::ffff:a.b.c.d}, IPv4-compatible {@code ::a.b.c.d},
 * NAT64 {@code 64:ff9b::a.b.c.d}) is classified by the IPv4 address it reaches.
 */
public enum AddressClass {
  /** Reachable by default. */
  PUBLIC(true),
  /** 127.0.0.0/8 and ::1: refused unless a rule allows it. */
  LOOPBACK(true),
  /** 10/8, 172.16/12, 192.168/16, 100.64/10 (shared CGNAT) and fc00::/7: refused unless allowed. */
  PRIVATE(true),
  /** 169.254.0.0/16 and fe80::/10, where cloud metadata services live: never reachable. */
  LINK_LOCAL(false),
  /** 0.0.0.0/8 and ::, which reach the local host on many systems: never reachable. */
  UNSPECIFIED(false),
  /** Multicast and the limited broadcast address: never reachable. */
  MULTICAST_OR_BROADCAST(false);

  private final boolean allowable;

  AddressClass(boolean allowable) {
    this.allowable = allowable;
  }

  /** Whether an organisation's rule can open this class (public needs no rule). */
  public boolean allowable() {
    return allowable;
  }

  /** The class of {@code address}. */
  public static AddressClass of(InetAddress address) {
    byte[] b = embeddedIpv4(address.getAddress());
    if (b.length == 4) {
      return ofIpv4(b);
    }
    return ofIpv6(b);
  }

  /**
   * The address {@code address} actually reaches: the embedded IPv4 address of an IPv4-mapped,
   * IPv4-compatible or NAT64 IPv6 address, else itself.
   */
  public static InetAddress effective(InetAddress address) {
    byte[] b = embeddedIpv4(address.getAddress());
    if (b.length == address.getAddress().length) {
      return address;
    }
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  private static AddressClass ofIpv4(byte[] b) {
    int a0 = b[0] & 0xff;
    int a1 = b[1] & 0xff;
    if (a0 == 0) {
      return UNSPECIFIED;
    }
    if (a0 == 127) {
      return LOOPBACK;
    }
    if (a0 == 169 && a1 == 254) {
      return LINK_LOCAL;
    }
    if (a0 == 10
        || (a0 == 172 && a1 >= 16 && a1 <= 31)
        || (a0 == 192 && a1 == 168)
        || (a0 == 100 && a1 >= 64 && a1 <= 127)) {
      return PRIVATE;
    }
    if (a0 >= 224) {
      return MULTICAST_OR_BROADCAST;
    }
    return PUBLIC;
  }

  private static AddressClass ofIpv6(byte[] b) {
    boolean zeroUntilLast = true;
    for (int i = 0; i < 15; i++) {
      zeroUntilLast &= b[i] == 0;
    }
    if (zeroUntilLast && b[15] == 0) {
      return UNSPECIFIED;
    }
    if (zeroUntilLast && b[15] == 1) {
      return LOOPBACK;
    }
    int first = b[0] & 0xff;
    if (first == 0xff) {
      return MULTICAST_OR_BROADCAST;
    }
    if (first == 0xfe && (b[1] & 0xc0) == 0x80) {
      return LINK_LOCAL;
    }
    if ((first & 0xfe) == 0xfc) {
      return PRIVATE;
    }
    return PUBLIC;
  }

  /** The 4 bytes of an IPv4 address embedded in {@code b}, or {@code b} itself. */
  private static byte[] embeddedIpv4(byte[] b) {
    if (b.length != 16) {
      return b;
    }
    boolean firstTenZero = true;
    for (int i = 0; i < 10; i++) {
      firstTenZero &= b[i] == 0;
    }
    boolean mapped = firstTenZero && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    boolean compatible = firstTenZero && b[10] == 0 && b[11] == 0 && !(b[12] == 0 && b[13] == 0);
    boolean nat64 =
        (b[0] & 0xff) == 0x00
            && (b[1] & 0xff) == 0x64
            && (b[2] & 0xff) == 0xff
            && (b[3] & 0xff) == 0x9b;
    for (int i = 4; nat64 && i < 12; i++) {
      nat64 = b[i] == 0;
    }
    if (mapped || compatible || nat64) {
      return new byte[] {b[12], b[13], b[14], b[15]};
    }
    return b;
  }
}
