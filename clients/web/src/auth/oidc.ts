import * as oauth from "oauth4webapi";
import type { ConsoleConfig } from "../config.js";
import type { AccessToken } from "./tokens.js";

const PENDING_KEY = "nexus.console.signin";
const insecure = { [oauth.allowInsecureRequests]: true };

/** What the page remembers across the trip to the issuer: no token, only the PKCE secret. */
interface Pending {
  verifier: string;
  state: string;
  returnTo: string;
  silent: boolean;
}

/** The outcome of coming back from the issuer. */
export type Callback =
  | { kind: "none" }
  | { kind: "signedIn"; access: AccessToken; refreshToken: string; returnTo: string }
  | { kind: "failed"; error: string; description: string; silent: boolean };

/**
 * OIDC sign-in by authorization code + PKCE (oauth4webapi), the same against the dev issuer and
 * Keycloak. Only the PKCE verifier and state survive the redirect (in sessionStorage); tokens
 * stay in memory.
 */
export class OidcClient {
  private server?: oauth.AuthorizationServer;
  private readonly client: oauth.Client;

  constructor(
    private readonly config: ConsoleConfig,
    private readonly redirectUri = `${location.origin}${import.meta.env.BASE_URL}`,
  ) {
    this.client = { client_id: config.clientId };
  }

  /** Goes to the issuer's authorization endpoint; {@code extra} adds parameters (org, role, prompt). */
  async begin(extra: Record<string, string | string[]> = {}, returnTo = location.hash): Promise<void> {
    const as = await this.authorizationServer();
    const verifier = oauth.generateRandomCodeVerifier();
    const pending: Pending = {
      verifier,
      state: oauth.generateRandomState(),
      returnTo,
      silent: extra.prompt === "none",
    };
    sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set("client_id", this.client.client_id);
    url.searchParams.set("redirect_uri", this.redirectUri);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set("code_challenge_method", "S256");
    url.searchParams.set("state", pending.state);
    for (const [key, value] of Object.entries(extra)) {
      for (const one of Array.isArray(value) ? value : [value]) {
        url.searchParams.append(key, one);
      }
    }
    location.assign(url.toString());
  }

  /** Finishes a sign-in when {@code url} is the issuer's redirect back; removes its parameters. */
  async complete(url: URL): Promise<Callback> {
    const raw = sessionStorage.getItem(PENDING_KEY);
    if (!raw || !(url.searchParams.has("code") || url.searchParams.has("error"))) {
      return { kind: "none" };
    }
    sessionStorage.removeItem(PENDING_KEY);
    history.replaceState(null, "", `${url.pathname}${url.hash}`);
    const pending = JSON.parse(raw) as Pending;
    const as = await this.authorizationServer();
    try {
      const params = oauth.validateAuthResponse(as, this.client, url.searchParams, pending.state);
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        this.client,
        oauth.None(),
        params,
        this.redirectUri,
        pending.verifier,
        insecure,
      );
      const result = await oauth.processAuthorizationCodeResponse(as, this.client, response);
      return {
        kind: "signedIn",
        access: accessOf(result),
        refreshToken: result.refresh_token ?? "",
        returnTo: pending.returnTo,
      };
    } catch (e) {
      if (e instanceof oauth.AuthorizationResponseError) {
        return {
          kind: "failed",
          error: e.error,
          description: e.error_description ?? "",
          silent: pending.silent,
        };
      }
      return { kind: "failed", error: "sign_in_failed", description: String(e), silent: pending.silent };
    }
  }

  /**
   * A new access token for {@code audience} by the refresh grant; audiences other than the
   * management API's are asked for with RFC 8707's {@code resource}.
   */
  async refresh(refreshToken: string, audience?: string): Promise<AccessToken> {
    const as = await this.authorizationServer();
    const response = await oauth.refreshTokenGrantRequest(as, this.client, oauth.None(), refreshToken, {
      ...insecure,
      additionalParameters: audience ? { resource: audience } : {},
    });
    return accessOf(await oauth.processRefreshTokenResponse(as, this.client, response));
  }

  /** Tells the issuer the refresh token is no longer wanted (best effort). */
  async revoke(refreshToken: string): Promise<void> {
    const as = await this.authorizationServer();
    if (as.revocation_endpoint) {
      await oauth.revocationRequest(as, this.client, oauth.None(), refreshToken, insecure).catch(() => undefined);
    }
  }

  private async authorizationServer(): Promise<oauth.AuthorizationServer> {
    if (!this.server) {
      const issuer = new URL(this.config.issuer);
      const response = await oauth.discoveryRequest(issuer, insecure);
      this.server = await oauth.processDiscoveryResponse(issuer, response);
    }
    return this.server;
  }
}

function accessOf(result: oauth.TokenEndpointResponse): AccessToken {
  return {
    value: result.access_token,
    expiresAt: Date.now() + (result.expires_in ?? 300) * 1000,
  };
}
