package io.nexusmesh.controlplane.workflow;

import io.nexusmesh.runtime.egress.AddressClass;
import io.nexusmesh.runtime.error.FieldViolation;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Refuses, when a version is created, an HTTP node whose literal URL no egress policy could ever
 * allow: a scheme other than http(s), or an address that is link-local (cloud metadata),
 * unspecified, multicast or broadcast. URLs whose scheme or authority is filled in at run time
 * ({@code {{...}}}) are checked by the gateway at call time instead, as every call is.
 */
final class HttpNodeUrls {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private HttpNodeUrls() {}

  /** Adds a violation at {@code path} when {@code url} can never be called. */
  static void check(String path, String url, List<FieldViolation> problems) {
    int schemeEnd = url.indexOf("://");
    int authorityEnd = schemeEnd < 0 ? -1 : url.indexOf('/', schemeEnd + 3);
    String head = authorityEnd < 0 ? url : url.substring(0, authorityEnd);
    if (head.contains("{{")) {
      return;
    }
    URI uri;
    try {
      uri = new URI(url.contains("{{") ? url.substring(0, url.indexOf("{{")) : url);
    } catch (URISyntaxException e) {
      problems.add(new FieldViolation(path, "not a URL: " + e.getReason()));
      return;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      problems.add(
          new FieldViolation(
              path, "only http:// and https:// URLs can be called, not '" + url + "'"));
      return;
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      problems.add(new FieldViolation(path, "the URL has no host"));
      return;
    }
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (!IPV4.matcher(bare).matches() && !bare.contains(":")) {
      return;
    }
    try {
      // A literal: no DNS lookup happens.
      AddressClass kind = AddressClass.of(InetAddress.getByName(bare));
      if (!kind.allowable()) {
        problems.add(
            new FieldViolation(
                path,
                bare
                    + " is "
                    + describe(kind)
                    + ": egress there is always refused, whatever the egress policy"));
      }
    } catch (UnknownHostException e) {
      problems.add(new FieldViolation(path, "'" + bare + "' is not an IP address"));
    }
  }

  private static String describe(AddressClass kind) {
    return switch (kind) {
      case LINK_LOCAL -> "a link-local address (where cloud metadata services live)";
      case UNSPECIFIED -> "the unspecified address";
      case MULTICAST_OR_BROADCAST -> "a multicast or broadcast address";
      case PUBLIC, LOOPBACK, PRIVATE -> "reachable";
    };
  }
}
