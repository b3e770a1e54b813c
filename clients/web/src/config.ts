/** What the control plane tells the page at /console/config.json. */
export interface ConsoleConfig {
  /** The OIDC issuer the page signs in with (the dev issuer or a Keycloak realm). */
  issuer: string;
  /** The page's OIDC client: public, authorization code + PKCE. */
  clientId: string;
  /** The gateway browsers reach for executions and sessions; empty hides those pages. */
  gatewayUrl: string;
  /** Whether the issuer is the dev issuer, which signs in as any org and role. */
  devSignIn: boolean;
}

/** Reads the console's settings from the server that served the page. */
export async function loadConfig(base = import.meta.env.BASE_URL): Promise<ConsoleConfig> {
  const response = await fetch(`${base}config.json`, { cache: "no-store" });
  if (!response.ok) {
    throw new Error(`config.json: HTTP ${response.status}`);
  }
  return (await response.json()) as ConsoleConfig;
}
