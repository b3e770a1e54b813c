package io.nexusmesh.runtime.auth;

/**
 * The audiences that separate the two planes: a management token never works on a gateway and a
 * gateway credential never works on the control plane.
 */
public final class Audiences {
  /** Tokens for the control plane's management API. */
  public static final String MANAGEMENT = "nexus-management";

  /** Tokens for the data plane (gateways' execution API). */
  public static final String GATEWAY = "nexus-gateway";

  private Audiences() {}
}
