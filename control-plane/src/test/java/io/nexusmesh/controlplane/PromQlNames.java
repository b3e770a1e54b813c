package io.nexusmesh.controlplane;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, found by removing what is not one (strings, label
 * matchers, durations, grouping clauses, numbers) and dropping function names and keywords: enough
 * for the queries under {@code k8s/observability}, which a test checks against what the components
 * serve. No PromQL parser exists for the JVM in the repository these machines reach.
 */
final class PromQlNames {
  private static final Set<String> KEYWORDS =
      Set.of(
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "and",
          "or",
          "unless",
          "bool",
          "offset",
          "inf",
          "nan");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  private PromQlNames() {}

  static Set<String> of(String query) {
    String bare =
        query
            .replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
            .replaceAll("\\{[^}]*}", " ")
            .replaceAll("\\[[^]]*]", " ")
            .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
            .replaceAll("\\b\\d+(\\.\\d+)?(e[-+]?\\d+)?\\b", " ");
    Set<String> names = new LinkedHashSet<>();
    Matcher m = IDENTIFIER.matcher(bare);
    while (m.find()) {
      String name = m.group();
      int next = m.end();
      while (next < bare.length() && bare.charAt(next) == ' ') {
        next++;
      }
      boolean function = next < bare.length() && bare.charAt(next) == '(';
      if (!function && !KEYWORDS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
        names.add(name);
      }
    }
    return names;
  }
}
