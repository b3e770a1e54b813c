package io.nexusmesh.controlplane.console;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Set;

/**
 * Who a dev sign-in makes the browser: a subject of an organisation with roles.
 *
 * @param subject the token's subject
 * @param org the organisation
 * @param roles the roles (admin, developer, viewer)
 */
record DevIdentity(String subject, String org, List<String> roles) {
  private static final Set<String> ROLES = Set.of("admin", "developer", "viewer");

  DevIdentity {
    requireNonNull(subject, "subject");
    requireNonNull(org, "org");
    roles = List.copyOf(roles);
  }

  /**
   * {@code org} and {@code roles} as asked for by a signed-in browser; an IllegalArgumentException
   * says what is wrong with them.
   */
  static DevIdentity asked(String subject, String org, List<String> roles) {
    if (!org.matches("[a-z][a-z0-9-]{0,62}")) {
      throw new IllegalArgumentException(
          "org: '" + org + "' (expected: lowercase letters, digits and '-', 1 to 63)");
    }
    if (roles.isEmpty() || !ROLES.containsAll(roles)) {
      throw new IllegalArgumentException(
          "role: " + roles + " (expected: admin, developer, viewer)");
    }
    return new DevIdentity(subject, org, roles);
  }
}
