package io.nexusmesh.controlplane.store;

import io.nexusmesh.runtime.error.NexusException;
import java.util.OptionalLong;

/** Etags are the row's revision counter, rendered as {@code "r<revision>"}. */
public final class Etags {
  private Etags() {}

  /** The etag of a revision. */
  public static String of(long revision) {
    return "r" + revision;
  }

  /**
   * The revision an etag names, or empty when the caller sent none ("update whatever is there").
   */
  public static OptionalLong revisionOf(String field, String etag) {
    if (etag.isEmpty()) {
      return OptionalLong.empty();
    }
    if (etag.length() > 1 && etag.charAt(0) == 'r') {
      try {
        return OptionalLong.of(Long.parseLong(etag.substring(1)));
      } catch (NumberFormatException e) {
        // falls through
      }
    }
    throw NexusException.invalidArgument(field, "not an etag returned by this API");
  }
}
