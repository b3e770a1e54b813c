package io.nexusmesh.runtime.workflow;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code {{...}}} placeholders of an http node's URL, headers and body: {@code
 * {{secrets.NAME}}} names an organisation secret (filled in by the gateway at call time, never seen
 * by CEL); anything else is a CEL expression. One definition for the control plane, which checks
 * them when a version is created, and the gateway, which fills them in.
 */
public final class Placeholders {
  /** A placeholder; group 1 is what is inside the braces. */
  public static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(.+?)}}");

  private static final Pattern SECRET =
      Pattern.compile("\\s*secrets\\.([A-Za-z_][A-Za-z0-9_]{0,63})\\s*");

  private Placeholders() {}

  /** The secret {@code inside} (a placeholder's content) names, or empty for CEL. */
  public static Optional<String> secretName(String inside) {
    Matcher m = SECRET.matcher(inside);
    return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** Whether {@code inside} is meant as a secret reference (it may still be malformed). */
  public static boolean refersToSecret(String inside) {
    return inside.strip().startsWith("secrets.");
  }
}
