package io.nexusmesh.gateway.egress;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.runtime.egress.EgressPolicy;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Decides every outbound call a workflow makes: resolves the URL's host once, checks each address
 * against the organisation's {@link EgressPolicy}, and returns the one address the call may connect
 * to, so a name that resolves differently a moment later (DNS rebinding) cannot move the
 * connection. Called again for every redirect.
 */
public final class EgressGuard {
  /** Where a call may go: the URL's host (for Host and SNI) and the checked address. */
  public record Destination(String scheme, String host, int port, InetAddress address) {}

  /** Why a call may not go. */
  public static final class Refused extends Exception {
    private final String host;

    Refused(String host, String message) {
      super(message, null, false, false);
      this.host = host;
    }

    /** The host of the refused URL. */
    public String host() {
      return host;
    }
  }

  private final Function<String, EgressPolicy> policies;
  private final HostResolver resolver;

  /**
   * @param policies each organisation's policy
   * @param resolver resolves host names
   */
  public EgressGuard(Function<String, EgressPolicy> policies, HostResolver resolver) {
    this.policies = requireNonNull(policies, "policies");
    this.resolver = requireNonNull(resolver, "resolver");
  }

  /**
   * Checks a call of {@code org} to {@code uri}.
   *
   * @throws Refused when the scheme is not HTTP(S) or no address of the host is allowed
   * @throws UnknownHostException when the host does not resolve
   */
  public Destination check(String org, URI uri) throws Refused, UnknownHostException {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String rawHost = uri.getHost();
    if (rawHost == null || rawHost.isEmpty()) {
      throw new Refused("", "the URL has no host");
    }
    String host = rawHost.startsWith("[") ? rawHost.substring(1, rawHost.length() - 1) : rawHost;
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new Refused(host, "only http and https URLs may be called, not " + scheme + ":");
    }
    int port = uri.getPort() != -1 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
    List<InetAddress> addresses = resolver.resolve(host);
    EgressPolicy.Decision decision = policies.apply(org).choose(host, port, addresses);
    if (!decision.allowed()) {
      throw new Refused(host, decision.reason());
    }
    return new Destination(scheme, host, port, requireNonNull(decision.address()));
  }
}
