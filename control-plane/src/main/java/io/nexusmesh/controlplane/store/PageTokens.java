package io.nexusmesh.controlplane.store;

import io.nexusmesh.runtime.error.NexusException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Opaque page tokens: the sort key of the last item of a page, base64url-encoded with a prefix
 * naming the collection, so a token of one list cannot be replayed on another.
 */
public final class PageTokens {
  /** Page size when the request says 0. */
  public static final int DEFAULT_PAGE_SIZE = 50;

  private PageTokens() {}

  /** The token continuing after {@code lastKey} in {@code collection}. */
  public static String encode(String collection, String lastKey) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((collection + ":" + lastKey).getBytes(StandardCharsets.UTF_8));
  }

  /** The key after which a page starts, or empty for the first page. */
  public static Optional<String> decode(String collection, String token) {
    if (token.isEmpty()) {
      return Optional.empty();
    }
    try {
      String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      if (decoded.startsWith(collection + ":")) {
        return Optional.of(decoded.substring(collection.length() + 1));
      }
    } catch (IllegalArgumentException e) {
      // falls through to the error below
    }
    throw NexusException.invalidArgument("page_token", "not a page token of this list");
  }

  /**
   * The numeric position after (or below) which a page starts, for lists ordered by a sequence, or
   * {@code first} for the first page.
   */
  public static long decodePosition(String collection, String token, long first) {
    var key = decode(collection, token);
    if (key.isEmpty()) {
      return first;
    }
    try {
      return Long.parseLong(key.get());
    } catch (NumberFormatException e) {
      throw NexusException.invalidArgument("page_token", "not a page token of this list");
    }
  }

  /** The effective page size of a request. */
  public static int size(int requested) {
    return requested == 0 ? DEFAULT_PAGE_SIZE : requested;
  }
}
