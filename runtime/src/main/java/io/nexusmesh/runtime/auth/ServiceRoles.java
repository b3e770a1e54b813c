package io.nexusmesh.runtime.auth;

/**
 * The realm roles of the mesh's own service accounts, which no person's token may use in their
 * place: the control plane pushing deployments to gateways, and gateways registering with it.
 */
public final class ServiceRoles {
  /** Held by the control plane's service account: may call a gateway's GatewayAdminService. */
  public static final String CONTROL_PLANE = "control-plane";

  /** Held by gateways' service accounts: register, heartbeat, report usage. */
  public static final String GATEWAY = "gateway";

  /**
   * Held by a panel's credential only (subject {@code panel:<name>}): renew it, report the panel's
   * running instance.
   */
  public static final String PANEL = "panel";

  /** The {@code org} claim of the control plane's own tokens, which belong to no tenant. */
  public static final String SYSTEM_ORG = "nexus-system";

  private ServiceRoles() {}
}
