package io.nexusmesh.gateway.engine;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Replaces the secrets a call used, wherever the called service echoes them, with {@code
 * [redacted:secrets.NAME]}: as sent, escaped for JSON, and URL-encoded. Applied to response bodies
 * before they become a step's output (hence the journal, events and the execution's output) and to
 * every error message.
 */
final class Redactor {
  private record Form(String text, String mask) {}

  private final List<Form> forms = new ArrayList<>();

  Redactor(Map<String, String> secrets) {
    secrets.forEach(
        (name, value) -> {
          if (value.isEmpty()) {
            return;
          }
          String mask = "[redacted:secrets." + name + "]";
          for (String form :
              List.of(
                  value,
                  jsonEscaped(value),
                  URLEncoder.encode(value, StandardCharsets.UTF_8),
                  URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20"))) {
            forms.add(new Form(form, mask));
          }
        });
    // Longest first, so a secret that contains another is masked whole.
    forms.sort(Comparator.comparingInt((Form f) -> f.text().length()).reversed());
  }

  /** {@code text} without any of the secrets. */
  String redact(String text) {
    String out = text;
    for (Form f : forms) {
      out = out.replace(f.text(), f.mask());
    }
    return out;
  }

  /** {@code value} escaped as the inside of a JSON string. */
  static String jsonEscaped(String value) {
    StringBuilder out = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
