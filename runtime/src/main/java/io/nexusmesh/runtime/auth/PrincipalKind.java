package io.nexusmesh.runtime.auth;

/** What kind of credential a {@link Principal} authenticated with. */
public enum PrincipalKind {
  /** A person, with an OIDC access token. */
  USER,
  /** A machine (service account, gateway, control plane), with an OIDC client-credentials token. */
  SERVICE,
  /** A holder of an organisation's data-plane API key. */
  API_KEY,
  /** A panel's sidecar, with the panel's credential: it may only speak for that panel. */
  PANEL
}
