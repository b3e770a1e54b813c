package io.nexusmesh.gateway.mcp;

import java.net.URI;
import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Guards {@code /mcp} against DNS rebinding, as MCP's streamable HTTP transport requires of servers
 * (validate {@code Origin}, answer 403 to a bad one): a request that carries an {@code Origin} must
 * come from the gateway's own origin (the one its {@code Host} names) or from one configured with
 * {@code NEXUS_GATEWAY_MCP_ALLOWED_ORIGINS}. Requests without one, as every non-browser MCP client
 * sends them, pass.
 */
final class OriginCheck {
  private final Set<String> allowed;

  OriginCheck(Collection<String> allowedOrigins) {
    this.allowed =
        allowedOrigins.stream()
            .map(OriginCheck::normalized)
            .collect(Collectors.toUnmodifiableSet());
  }

  /**
   * Whether a request with this {@code Origin} header, sent to {@code authority} (its {@code Host}
   * or {@code :authority}), may be served.
   */
  boolean allows(@Nullable String origin, @Nullable String authority) {
    if (origin == null) {
      return true;
    }
    if (allowed.contains(normalized(origin))) {
      return true;
    }
    try {
      String from = URI.create(origin.strip()).getRawAuthority();
      return from != null && authority != null && from.equalsIgnoreCase(authority.strip());
    } catch (IllegalArgumentException e) {
      return false; // not a URI: not an origin anyone may use
    }
  }

  private static String normalized(String origin) {
    String o = origin.strip().toLowerCase(Locale.ROOT);
    return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
  }
}
