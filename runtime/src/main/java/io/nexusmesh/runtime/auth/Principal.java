package io.nexusmesh.runtime.auth;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/**
 * Who is calling: the subject, the organisation that scopes every resource they touch, their roles,
 * the audiences their credential was issued for, and the kind of credential.
 *
 * @param subject the token's {@code sub}, or {@code apikey:<id>} for an API key
 * @param org the organisation; every resource lookup is scoped by it
 * @param roles role names, e.g. {@code admin}, {@code developer}, {@code viewer}
 * @param audiences the credential's audiences, e.g. {@link Audiences#MANAGEMENT}
 * @param kind the kind of credential
 * @param allowedWorkflows for an API key limited to some workflows, their ids; empty means all
 */
public record Principal(
    String subject,
    String org,
    Set<String> roles,
    Set<String> audiences,
    PrincipalKind kind,
    Set<String> allowedWorkflows) {

  public Principal {
    requireNonNull(subject, "subject");
    requireNonNull(org, "org");
    roles = Set.copyOf(requireNonNull(roles, "roles"));
    audiences = Set.copyOf(requireNonNull(audiences, "audiences"));
    requireNonNull(kind, "kind");
    allowedWorkflows = Set.copyOf(requireNonNull(allowedWorkflows, "allowedWorkflows"));
  }

  /** Whether the principal holds {@code role}. */
  public boolean hasRole(String role) {
    return roles.contains(role);
  }

  /** Whether the principal's credential was issued for {@code audience}. */
  public boolean hasAudience(String audience) {
    return audiences.contains(audience);
  }
}
