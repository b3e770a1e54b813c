package io.nexusmesh.gateway.engine;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Value;
import io.grpc.Status;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.runtime.workflow.Placeholders;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * Fills the {@code {{...}}} placeholders of one HTTP node attempt: {@code {{secrets.NAME}}} with
 * the organisation's secret (looked up here, never handed to CEL, so no transform or expression can
 * read a secret), anything else with the CEL expression's value. Remembers which secrets it used,
 * so that {@link #redactor()} can scrub them from whatever the call brings back.
 */
final class SecretExpansion {
  private final String org;
  private final OrgAccess access;
  private final Expressions expressions;
  private final Map<String, Object> variables;
  private final Map<String, String> used = new LinkedHashMap<>();
  private int fills;

  SecretExpansion(
      String org, OrgAccess access, Expressions expressions, Map<String, Object> variables) {
    this.org = requireNonNull(org, "org");
    this.access = requireNonNull(access, "access");
    this.expressions = requireNonNull(expressions, "expressions");
    this.variables = requireNonNull(variables, "variables");
  }

  /** {@code template} with secrets and CEL placeholders filled (a URL or a header value). */
  String text(String template) {
    if (!template.contains("{{")) {
      return template;
    }
    Matcher m = Placeholders.PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      var secret = Placeholders.secretName(m.group(1));
      String text;
      if (secret.isPresent()) {
        text = secret(secret.get());
      } else {
        Value v = expressions.eval(m.group(1).trim(), variables);
        text = v.hasStringValue() ? v.getStringValue() : JsonValues.toJson(v);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(text));
    }
    m.appendTail(out);
    return out.toString();
  }

  /**
   * {@code json} (a request body the CEL body expression produced) with each {@code
   * {{secrets.NAME}}} inside it replaced by the secret, escaped for a JSON string.
   */
  String json(String json) {
    if (!json.contains("{{")) {
      return json;
    }
    Matcher m = Placeholders.PLACEHOLDER.matcher(json);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      var secret = Placeholders.secretName(m.group(1));
      String text = secret.isPresent() ? Redactor.jsonEscaped(secret(secret.get())) : m.group();
      m.appendReplacement(out, Matcher.quoteReplacement(text));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The CEL variables of the attempt. */
  Map<String, Object> vars() {
    return variables;
  }

  /** How many secret placeholders were filled in so far. */
  int secretsUsed() {
    return fills;
  }

  /** Scrubs the secrets used so far. */
  Redactor redactor() {
    return new Redactor(used);
  }

  private String secret(String name) {
    return switch (access.secret(org, name)) {
      case OrgAccess.SecretLookup.Found found -> {
        used.put(name, found.value());
        fills++;
        yield found.value();
      }
      case OrgAccess.SecretLookup.Missing missing ->
          throw new NodeFailure(
              Status.Code.FAILED_PRECONDITION,
              ErrorReason.ERROR_REASON_SECRET_NOT_FOUND,
              Map.of("secret", name),
              "secret "
                  + name
                  + " is not set in the organisation (nexus secrets set "
                  + name
                  + ")");
      case OrgAccess.SecretLookup.NotYetDelivered pending ->
          throw new NodeFailure(
              Status.Code.UNAVAILABLE,
              "the organisation's secrets have not reached this gateway yet since it restarted");
    };
  }
}
