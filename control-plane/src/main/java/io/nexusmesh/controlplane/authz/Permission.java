package io.nexusmesh.controlplane.authz;

import java.util.Set;

/**
 * What a caller may do on the control plane, and the roles that grant it. Roles come from the
 * token's realm roles: {@code admin} may do everything, {@code developer} may author, {@code
 * viewer} may read; {@code gateway} is the role of gateways' own service accounts.
 */
public enum Permission {
  WORKFLOWS_READ(Roles.ADMIN, Roles.DEVELOPER, Roles.VIEWER),
  WORKFLOWS_WRITE(Roles.ADMIN, Roles.DEVELOPER),
  AUDIT_READ(Roles.ADMIN, Roles.VIEWER),
  /** The traces that touched the organisation (span names, timings, attributes). */
  TRACES_READ(Roles.ADMIN, Roles.DEVELOPER, Roles.VIEWER),
  API_KEYS_MANAGE(Roles.ADMIN),
  GATEWAYS_READ(Roles.ADMIN, Roles.DEVELOPER, Roles.VIEWER),
  DEPLOYMENTS_READ(Roles.ADMIN, Roles.DEVELOPER, Roles.VIEWER),
  DEPLOYMENTS_WRITE(Roles.ADMIN, Roles.DEVELOPER),
  /** Secret names, versions and times (never values). */
  SECRETS_READ(Roles.ADMIN, Roles.DEVELOPER, Roles.VIEWER),
  SECRETS_MANAGE(Roles.ADMIN),
  EGRESS_READ(Roles.ADMIN, Roles.DEVELOPER, Roles.VIEWER),
  EGRESS_MANAGE(Roles.ADMIN),
  PANELS_READ(Roles.ADMIN, Roles.DEVELOPER, Roles.VIEWER),
  /** Create and delete panels, issue their sidecars' credentials. */
  PANELS_WRITE(Roles.ADMIN, Roles.DEVELOPER),
  /** Held by panel credentials only: renew the credential, report the panel's instance. */
  PANEL_SELF(Roles.PANEL),
  /**
   * Subscribe to the xDS server: people and services see their organisation's gateway fleet and the
   * edge's routes, gateways also its panels; panel credentials never subscribe.
   */
  MESH_DISCOVERY(Roles.ADMIN, Roles.DEVELOPER, Roles.VIEWER, Roles.GATEWAY),
  /** Held by gateways' service accounts only: register, heartbeat, report usage. */
  GATEWAY_SELF(Roles.GATEWAY);

  private final Set<String> roles;

  Permission(String... roles) {
    this.roles = Set.of(roles);
  }

  /** The roles that grant this permission. */
  public Set<String> roles() {
    return roles;
  }

  /** The role names. */
  public static final class Roles {
    public static final String ADMIN = "admin";
    public static final String DEVELOPER = "developer";
    public static final String VIEWER = "viewer";
    public static final String GATEWAY = "gateway";
    public static final String PANEL = "panel";

    private Roles() {}
  }
}
